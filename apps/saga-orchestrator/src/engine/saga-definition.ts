import type { ServiceName } from '@scale-chat/contracts';

export interface SagaStep {
  readonly name: string;
  readonly participant: ServiceName;
  /**
   * The command that performs the step; absent for a step the initiator performed
   * before the saga began (auth storing the pending user, say), which only has an undo.
   */
  readonly command?: string;
  /** The command that undoes the step; absent when there is nothing to undo. */
  readonly compensation?: string;
  /** How long the participant has to answer before the step counts as failed. */
  readonly timeoutMs: number;
}

/** A saga as data: its steps in order, each with its command and its undo. */
export interface SagaDefinition {
  readonly type: string;
  readonly steps: readonly SagaStep[];
}

export function checkDefinition(definition: SagaDefinition): SagaDefinition {
  const started = definition.steps.findIndex((step) => step.command !== undefined);
  if (started === -1) throw new Error(`saga ${definition.type} has no step to execute`);
  const lateInitiated = definition.steps.slice(started).find((step) => step.command === undefined);
  if (lateInitiated !== undefined) {
    throw new Error(
      `saga ${definition.type}: step ${lateInitiated.name} has no command after the first command`,
    );
  }
  return definition;
}
