import { Injectable } from '@nestjs/common';
import { ServiceMetrics } from '@scale-chat/platform';
import type { Counter, Histogram } from 'prom-client';
import type { SagaState } from '../engine/saga-engine';

const isFinished = (state: SagaState | undefined) =>
  state?.status === 'completed' || state?.status === 'compensated';

/**
 * `sagas_total` by type and outcome, and `saga_duration_seconds` of finished sagas. An
 * undo refused again and again (`undo_refused`) is a saga that cannot finish until an
 * operator mends what its participant refuses.
 */
@Injectable()
export class SagaMetrics {
  private readonly sagas: Counter<'type' | 'outcome'>;
  private readonly duration: Histogram<'type' | 'outcome'>;

  constructor(metrics: ServiceMetrics) {
    this.sagas = metrics.counter({
      name: 'sagas_total',
      help: 'Sagas by type and outcome: started, completed, compensated, timed_out (a step), undo_refused (a participant refused an undo, sent again later)',
      labelNames: ['type', 'outcome'] as const,
    });
    this.duration = metrics.histogram({
      name: 'saga_duration_seconds',
      help: 'From start to completed or compensated',
      labelNames: ['type', 'outcome'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    });
  }

  /** Counts what changed from `before` (undefined: the saga starts) to `after`. */
  record(before: SagaState | undefined, after: SagaState): void {
    const { type } = after;
    if (before === undefined) this.sagas.inc({ type, outcome: 'started' });
    const added = after.history.slice(before?.history.length ?? 0);
    const timeouts = added.filter((entry) => entry.event === 'timed-out').length;
    if (timeouts > 0) this.sagas.inc({ type, outcome: 'timed_out' }, timeouts);
    // A failure while it was undoing: an undo refused (a failed step starts the undoing).
    const refusedUndos =
      before?.status === 'compensating'
        ? added.filter((entry) => entry.event === 'failed').length
        : 0;
    if (refusedUndos > 0) this.sagas.inc({ type, outcome: 'undo_refused' }, refusedUndos);
    if (isFinished(after) && !isFinished(before)) {
      this.sagas.inc({ type, outcome: after.status });
      const startedAt = after.history[0]?.at;
      const finishedAt = after.history.at(-1)?.at;
      if (startedAt !== undefined && finishedAt !== undefined) {
        this.duration.observe(
          { type, outcome: after.status },
          (Date.parse(finishedAt) - Date.parse(startedAt)) / 1000,
        );
      }
    }
  }
}
