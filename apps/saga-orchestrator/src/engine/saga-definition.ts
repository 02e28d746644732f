import {
  SAGA_TYPES_OF_COMMAND,
  type SagaCommandName,
  type SagaType,
  type ServiceName,
} from '@scale-chat/contracts';

/** The commands a saga of type `T` may send (`SAGA_TYPES_OF_COMMAND`): others do not compile. */
export type CommandOf<T extends SagaType> = {
  [C in SagaCommandName]: T extends (typeof SAGA_TYPES_OF_COMMAND)[C][number] ? C : never;
}[SagaCommandName];

export interface SagaStep<T extends SagaType = SagaType> {
  readonly name: string;
  readonly participant: ServiceName;
  /**
   * The command that performs the step; absent for a step the initiator performed
   * before the saga began (auth storing the pending user, say), which only has an undo.
   */
  readonly command?: CommandOf<T>;
  /** The command that undoes the step; absent when there is nothing to undo. */
  readonly compensation?: CommandOf<T>;
  /** How long the participant has to answer before the step counts as failed. */
  readonly timeoutMs: number;
  /**
   * What a timeout means. `compensate` (the default): the step failed, and it and the
   * ones before are undone. `retry`: the step is past the point of no return (it has no
   * undo, or the user asked for it and it must happen), so its idempotent command is
   * sent again until it is answered; a failed answer still undoes the steps before.
   * Undoing instead could race a late execution (an activation landing after the user
   * was discarded). Every step after a `retry` step must be `retry` too.
   */
  readonly onTimeout?: 'compensate' | 'retry';
}

/** A saga as data: its steps in order, each with its command and its undo. */
export interface SagaDefinition<T extends SagaType = SagaType> {
  readonly type: T;
  readonly steps: readonly SagaStep<T>[];
}

/**
 * `definition`, checked where types cannot: a step without a command only before the
 * first command, no undone step after a retried one; and, for definitions built from
 * data, that each command belongs to the saga's type (the compiler checks it in code).
 */
export function checkDefinition<T extends SagaType>(
  definition: SagaDefinition<T>,
): SagaDefinition<T> {
  const started = definition.steps.findIndex((step) => step.command !== undefined);
  if (started === -1) throw new Error(`saga ${definition.type} has no step to execute`);
  const lateInitiated = definition.steps.slice(started).find((step) => step.command === undefined);
  if (lateInitiated !== undefined) {
    throw new Error(
      `saga ${definition.type}: step ${lateInitiated.name} has no command after the first command`,
    );
  }
  const pivot = definition.steps.findIndex((step) => step.onTimeout === 'retry');
  const undoneAfterPivot =
    pivot === -1
      ? undefined
      : definition.steps.slice(pivot).find((step) => step.onTimeout !== 'retry');
  if (undoneAfterPivot !== undefined) {
    throw new Error(
      `saga ${definition.type}: step ${undoneAfterPivot.name} would be undone on a timeout after a step that is retried`,
    );
  }
  for (const step of definition.steps) {
    for (const name of [step.command, step.compensation]) {
      if (name === undefined) continue;
      const types: readonly SagaType[] | undefined = Object.hasOwn(SAGA_TYPES_OF_COMMAND, name)
        ? SAGA_TYPES_OF_COMMAND[name as keyof typeof SAGA_TYPES_OF_COMMAND]
        : undefined;
      // Its participant would refuse it (`sagaStepHandlers`).
      if (!types?.some((type) => type === definition.type))
        throw new Error(
          `saga ${definition.type}: step ${step.name} sends ${name}, which SAGA_TYPES_OF_COMMAND does not give to ${definition.type} sagas`,
        );
    }
  }
  return definition;
}
