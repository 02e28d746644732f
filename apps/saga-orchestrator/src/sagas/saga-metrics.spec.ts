import { ServiceMetrics } from '@scale-chat/platform';
import type { SagaCommand, SagaReply } from '@scale-chat/contracts';
import { signupSaga } from '../engine/saga-definitions';
import { SagaEngine, type Transition } from '../engine/saga-engine';
import { SagaMetrics } from './saga-metrics';

const engine = new SagaEngine(signupSaga(10_000));
const T0 = Date.parse('2026-12-07T08:00:00Z');

const answer = (transition: Transition, outcome: SagaReply['outcome'], at: number) => {
  const [command] = transition.commands as [SagaCommand];
  return engine.onReply(
    transition.state,
    { sagaId: command.sagaId, commandId: command.commandId, outcome },
    at,
  );
};

describe('SagaMetrics', () => {
  it('counts each outcome once, an undo refused among them', async () => {
    const metrics = new ServiceMetrics({ service: 'saga-orchestrator', instanceId: 'test' });
    const sagaMetrics = new SagaMetrics(metrics);
    const steps: Transition[] = [engine.start('s1', { userId: 'u' }, T0)];
    const step = (next: (last: Transition) => Transition) => {
      const last = steps.at(-1) as Transition;
      const transition = next(last);
      sagaMetrics.record(last.state, transition.state);
      steps.push(transition);
    };
    sagaMetrics.record(undefined, steps[0]?.state as Transition['state']);
    // The profile step fails; its undo (the pending user's) is refused once, then done.
    step((last) => answer(last, 'failed', T0 + 1_000));
    step((last) => answer(last, 'failed', T0 + 2_000));
    step((last) => engine.onTimeout(last.state, (last.state.deadline ?? 0) + 1));
    step((last) => answer(last, 'succeeded', T0 + 9_000));
    const counted = (await metrics.registry.getSingleMetric('sagas_total')?.get())?.values.map(
      ({ labels, value }) => [labels['outcome'], value],
    );
    expect(counted).toEqual([
      ['started', 1],
      ['undo_refused', 1],
      ['compensated', 1],
    ]);
  });
});
