/**
 * The chat benchmarks' load generator, shared by run.ts (many rooms) and hot-room.ts (one
 * room). It is kept lean so that what it measures is the system, not itself: one
 * WebSocket per client speaking only the part of Socket.IO it needs (`LeanSocket`), no
 * promise, timer or closure per message (an acknowledgement callback per in-flight slot,
 * made once), no map of sent messages (a message's scheduled send time travels in its own
 * `clientMsgId`), latency samples in typed arrays. Its own CPU and event-loop delay are
 * reported beside every phase.
 */
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { MessageView, SocketAck } from '@scale-chat/contracts';
import { scrapeMetrics, sumOf } from '@scale-chat/tools/cluster';
import { forkTypeScript } from '../child-process';
import { countCpu, type CpuUsed, type MeasuredProcess } from '../cpu';
import { percentile } from '../report';
import type { LeanSocket } from './lean-socket';

/** A connected client and the room it sends to. */
export interface Sender {
  readonly userId: string;
  readonly roomId: string;
  readonly socket: LeanSocket;
}

export type SendAck = SocketAck<{ message: MessageView }>;

const BODY = 'bench message';

/** How often the event-loop delay is sampled, ms. */
const LOOP_RESOLUTION_MS = 10;

/**
 * A figure of a `monitorEventLoopDelay` histogram, ms, as a delay: the histogram holds the
 * time between its timer's ticks, so the delay is what exceeds its resolution.
 */
const delayPastTick = (tickMs: number, resolutionMs: number) => Math.max(0, tickMs - resolutionMs);

/** Latency samples (ms) in a typed array that doubles when full. */
class Samples {
  private values = new Float64Array(4096);
  private length = 0;

  add(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length] = value;
    this.length += 1;
  }

  sorted(): Float64Array {
    return this.values.slice(0, this.length).sort();
  }
}

/**
 * One phase's sends and what came back. Each `clientMsgId` is `<phase tag>.<µs after the
 * phase began that the send was scheduled for>.<n>`: acks and deliveries are timed from
 * that, and those of another phase (late ones after a give-up) are told apart by the tag.
 */
export class Phase {
  sent = 0;
  answered = 0;
  stored = 0;
  failed = 0;
  deliveries = 0;
  /** Sends are still being made (a drained phase has stopped sending). */
  sending = true;
  readonly startedAt = performance.now();
  private lastAckAt = this.startedAt;
  private lastDeliveryAt = this.startedAt;
  private readonly acks = new Samples();
  private readonly deliveryLatency = new Samples();
  private onDrained: (() => void) | undefined;

  /** `receivers`: the sockets each stored message reaches, the sender's own included. */
  constructor(
    private readonly tag: string,
    private readonly receivers: number,
  ) {}

  /** Sends one message from `sender`, timed from `scheduledAt` (a `performance.now()`). */
  send(sender: Sender, scheduledAt: number, ack: (answer: SendAck) => void): void {
    this.sent += 1;
    const micros = Math.round((scheduledAt - this.startedAt) * 1000);
    sender.socket.emit(
      'message:send',
      { roomId: sender.roomId, clientMsgId: `${this.tag}.${micros}.${this.sent}`, body: BODY },
      ack,
    );
  }

  readonly acked = (answer: SendAck): void => {
    this.answered += 1;
    const scheduledAt = answer.ok ? this.scheduledAt(answer.message.clientMsgId) : undefined;
    if (scheduledAt === undefined) {
      this.failed += 1;
    } else {
      this.stored += 1;
      this.lastAckAt = performance.now();
      this.acks.add(this.lastAckAt - scheduledAt);
    }
    this.checkDrained();
  };

  delivered(message: MessageView, receiverId: string): void {
    const scheduledAt = this.scheduledAt(message.clientMsgId);
    if (scheduledAt === undefined) return;
    this.deliveries += 1;
    this.lastDeliveryAt = performance.now();
    if (message.senderId !== receiverId)
      this.deliveryLatency.add(this.lastDeliveryAt - scheduledAt);
    this.checkDrained();
  }

  /**
   * Stops sending and waits until every send is answered and every stored message has
   * reached all its receivers, or gives up after `timeoutMs`; says what never came.
   */
  async drain(timeoutMs: number): Promise<{ lostAcks: number; lostDeliveries: number }> {
    this.sending = false;
    if (!this.isDrained()) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.onDrained = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
      this.onDrained = undefined;
    }
    return {
      lostAcks: this.sent - this.answered,
      lostDeliveries: Math.max(0, this.stored * this.receivers - this.deliveries),
    };
  }

  figures() {
    const seconds = (at: number) => Math.max(1e-3, (at - this.startedAt) / 1000);
    return {
      stored: this.stored,
      failed: this.failed,
      storedPerSecond: this.stored / seconds(this.lastAckAt),
      deliveriesPerSecond: this.deliveries / seconds(this.lastDeliveryAt),
      acks: this.acks.sorted(),
      deliveries: this.deliveryLatency.sorted(),
    };
  }

  private scheduledAt(clientMsgId: string): number | undefined {
    if (!clientMsgId.startsWith(this.tag) || clientMsgId[this.tag.length] !== '.') return undefined;
    const end = clientMsgId.indexOf('.', this.tag.length + 1);
    return this.startedAt + Number(clientMsgId.slice(this.tag.length + 1, end)) / 1000;
  }

  private isDrained(): boolean {
    return (
      !this.sending &&
      this.answered === this.sent &&
      this.deliveries >= this.stored * this.receivers
    );
  }

  private checkDrained(): void {
    if (this.onDrained !== undefined && this.isDrained()) this.onDrained();
  }
}

/** A driver makes a phase's sends and resolves when it has made the last one. */
export type Driver = (phase: Phase) => Promise<void>;

/**
 * Closed loop: `slots` sends in flight for `seconds`, each answer sending its slot's next
 * one from `pick(slot)`. Latency is from the emit (a closed loop has no schedule to fall
 * behind).
 */
export function inFlight(slots: number, seconds: number, pick: (slot: number) => Sender): Driver {
  return (phase) => {
    const until = phase.startedAt + seconds * 1000;
    for (let slot = 0; slot < slots; slot += 1) {
      const next = (answer: SendAck) => {
        phase.acked(answer);
        const now = performance.now();
        if (now < until) phase.send(pick(slot), now, next);
      };
      phase.send(pick(slot), phase.startedAt, next);
    }
    return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  };
}

/**
 * Open loop: `rate` sends a second for `seconds`, the n-th from `pick(n)`, each timed from
 * when it was due, not from when it went out, so a generator or server that falls behind
 * shows in the latency instead of hiding it (coordinated omission).
 */
export function offered(rate: number, seconds: number, pick: (n: number) => Sender): Driver {
  const total = Math.max(1, Math.round(rate * seconds));
  return (phase) =>
    new Promise((resolve) => {
      const dueOf = (n: number) => phase.startedAt + (n * 1000) / rate;
      const tick = () => {
        const now = performance.now();
        while (phase.sent < total && dueOf(phase.sent) <= now) {
          phase.send(pick(phase.sent), dueOf(phase.sent), phase.acked);
        }
        if (phase.sent >= total) resolve();
        else setTimeout(tick, Math.max(0, dueOf(phase.sent) - performance.now()));
      };
      tick();
    });
}

/**
 * How full the gateways' batches were over a phase, how long they paused to collect
 * garbage and how late their event loops ran, from their metrics.
 */
export interface BatchFigures {
  /** Sends stored by one `store_sends` call (`chat_send_batch_size`). */
  readonly sendsPerCall: number;
  /** Events published by one batch of the chat outbox's relay (`outbox_relay_batch_size`). */
  readonly eventsPerRelayBatch: number;
  /** Both gateways' garbage collection (`nodejs_gc_duration_seconds`), ms a stored message. */
  readonly gcMsPerMessage: number;
  /** Each gateway's event-loop delay p99 over the phase, ms. */
  readonly loopDelayP99Ms: readonly number[];
}

interface BatchCounts {
  readonly sends: number;
  readonly calls: number;
  readonly events: number;
  readonly relayBatches: number;
  readonly gcSeconds: number;
  /**
   * Each gateway's `nodejs_eventloop_lag_p99_seconds`: prom-client's histogram since the
   * scrape before (it resets on every scrape, so the one at a phase's start begins it).
   */
  readonly loopP99Seconds: readonly number[];
}

/** prom-client's `eventLoopMonitoringPrecision`, the resolution of its histogram. */
const GATEWAY_LOOP_RESOLUTION_MS = 10;

async function batchCounts(gatewayUrls: readonly string[]): Promise<BatchCounts> {
  const perGateway = await Promise.all(gatewayUrls.map(scrapeMetrics));
  const samples = perGateway.flat();
  return {
    loopP99Seconds: perGateway.map((own) => sumOf(own, 'nodejs_eventloop_lag_p99_seconds')),
    sends: sumOf(samples, 'chat_send_batch_size_sum'),
    calls: sumOf(samples, 'chat_send_batch_size_count'),
    events: sumOf(samples, 'outbox_relay_batch_size_sum'),
    relayBatches: sumOf(samples, 'outbox_relay_batch_size_count'),
    gcSeconds: sumOf(samples, 'nodejs_gc_duration_seconds_sum'),
  };
}

/** Undefined when the phase stored nothing through the gateways (a bound's phase). */
function batchFigures(before: BatchCounts, after: BatchCounts): BatchFigures | undefined {
  const calls = after.calls - before.calls;
  const relayBatches = after.relayBatches - before.relayBatches;
  if (calls === 0 || relayBatches === 0) return undefined;
  return {
    sendsPerCall: (after.sends - before.sends) / calls,
    eventsPerRelayBatch: (after.events - before.events) / relayBatches,
    gcMsPerMessage: ((after.gcSeconds - before.gcSeconds) * 1_000) / (after.sends - before.sends),
    loopDelayP99Ms: after.loopP99Seconds.map((seconds) =>
      delayPastTick(seconds * 1_000, GATEWAY_LOOP_RESOLUTION_MS),
    ),
  };
}

/**
 * "1.4 sends a `store_sends` call, 1.3 events a relay batch, gateways' GC 0.050 ms a
 * message, gateways' loop delay p99 3.1 / 2.4 ms", or "—".
 */
export function describeBatches(figures: BatchFigures | undefined): string {
  if (figures === undefined) return '—';
  return (
    `${figures.sendsPerCall.toFixed(1)} sends a store_sends call, ` +
    `${figures.eventsPerRelayBatch.toFixed(1)} events a relay batch, ` +
    `gateways' GC ${figures.gcMsPerMessage.toFixed(3)} ms a message, ` +
    `gateways' loop delay p99 ${figures.loopDelayP99Ms.map((ms) => ms.toFixed(1)).join(' / ')} ms`
  );
}

export interface PhaseResult extends ReturnType<Phase['figures']> {
  readonly label: string;
  readonly lostAcks: number;
  readonly lostDeliveries: number;
  readonly cpu: CpuUsed;
  readonly batches: BatchFigures | undefined;
  /** This process's event-loop delay while the phase ran, ms. */
  readonly loopDelay: { readonly p50: number; readonly p99: number; readonly max: number };
}

/** Runs phases one after the other, each drained before the next begins. */
export class LoadGenerator {
  private current: Phase | undefined;
  private phases = 0;

  constructor(
    /** The processes whose CPU is counted (the load generator's own always is). */
    private readonly measured: readonly MeasuredProcess[],
    private readonly drainTimeoutMs: number,
    /** The gateways whose `/metrics` tell how full each phase's batches were. */
    private readonly gatewayUrls: readonly string[],
  ) {}

  /** Routes a client's `message:new` to the phase running. */
  listen(clients: readonly Sender[]): void {
    for (const { socket, userId } of clients) {
      socket.on('message:new', (message: MessageView) => this.current?.delivered(message, userId));
    }
  }

  async run(label: string, receivers: number, drive: Driver): Promise<PhaseResult> {
    this.phases += 1;
    const batchesBefore = await batchCounts(this.gatewayUrls);
    const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    loop.enable();
    const cpu = countCpu(this.measured);
    const phase = new Phase(`p${this.phases}`, receivers);
    this.current = phase;
    await drive(phase);
    const lost = await phase.drain(this.drainTimeoutMs);
    loop.disable();
    this.current = undefined;
    const cpuUsed = cpu();
    const batches = batchFigures(batchesBefore, await batchCounts(this.gatewayUrls));
    const ms = (ns: number) => delayPastTick(ns / 1e6, LOOP_RESOLUTION_MS);
    return {
      label,
      ...phase.figures(),
      ...lost,
      cpu: cpuUsed,
      batches,
      loopDelay: {
        p50: ms(loop.percentile(50)),
        p99: ms(loop.percentile(99)),
        max: ms(loop.max),
      },
    };
  }
}

/** "p50 / p95 / p99" of ascending latencies, in ms ("—" when there are none). */
export function latencyCells(sorted: ArrayLike<number>, points = [50, 95, 99]): string {
  if (sorted.length === 0) return '—';
  return points.map((p) => percentile(sorted, p).toFixed(1)).join(' / ');
}

/**
 * The bound: bound-server.ts in a child process (its own event loop, as each gateway
 * has), resolved once it listens. It is one of the measured processes (`label`, `pid`);
 * `close` ends it, and it ends by itself if this process does.
 */
export function boundServer(): Promise<MeasuredProcess & { url: string; close(): Promise<void> }> {
  const child = forkTypeScript(join(__dirname, 'bound-server.ts'));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = () => {
    child.kill();
    return exited;
  };
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    void exited.then(() => reject(new Error(`the bound server exited (${child.exitCode})`)));
    child.once('message', ({ port }: { port: number }) =>
      resolve({
        label: 'bound server',
        pid: () => child.pid,
        url: `http://127.0.0.1:${port}`,
        close,
      }),
    );
  });
}
