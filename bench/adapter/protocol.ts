/** Milliseconds on the machine's monotonic clock, which every process here shares. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export interface EmitCommand {
  readonly rooms: string[];
  readonly count: number;
  /** Messages per second; 0 for as fast as possible. */
  readonly rate: number;
}

export type ServerReport =
  { type: 'ready'; port: number } | { type: 'emitted'; count: number; elapsedMs: number };
