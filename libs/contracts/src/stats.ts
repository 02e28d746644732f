/** `GET /api/stats/summary` (API.md "Stats from Kafka"): the log-consumer's answer. */
export interface StatsSummary {
  readonly users: number;
  readonly rooms: number;
  readonly messages: number;
  /** Messages in the last 60 minutes. */
  readonly messagesLastHour: number;
  /** Signups since 00:00 UTC. */
  readonly signupsToday: number;
}

/** An item of `GET /api/stats/messages` and `/signups`: one bucket of the series. */
export interface StatsBucket {
  /** The bucket's start (UTC), ISO 8601. */
  readonly t: string;
  readonly count: number;
}

/** An item of `GET /api/stats/top-words`. */
export interface WordCountView {
  readonly word: string;
  readonly count: number;
}
