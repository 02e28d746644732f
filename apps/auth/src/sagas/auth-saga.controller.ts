import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { SAGA_COMMANDS, type SagaCommand } from '@scale-chat/contracts';
import {
  answerSagaCommand,
  OnSagaCommand,
  sagaStepHandlers,
  type CommandHandlers,
  type KafkaEventContext,
} from '@scale-chat/platform';
import { AuthSagaSteps } from './auth-saga-steps';

/** Answers the saga commands sent to auth (`saga.auth-commands`). */
@Controller()
export class AuthSagaController {
  /** By command name, each a step of `AuthSagaSteps`. */
  readonly handlers: CommandHandlers;

  constructor(steps: AuthSagaSteps) {
    this.handlers = sagaStepHandlers({
      [SAGA_COMMANDS.activateUser]: ({ userId }, manager) => steps.activateUser(userId, manager),
      [SAGA_COMMANDS.discardPendingUser]: ({ userId }, manager) =>
        steps.discardPendingUser(userId, manager),
      [SAGA_COMMANDS.deleteUser]: ({ userId }, manager) => steps.deleteUser(userId, manager),
      [SAGA_COMMANDS.restoreUser]: ({ userId }, manager) => steps.restoreUser(userId, manager),
      [SAGA_COMMANDS.checkUsersActive]: ({ userIds }, manager) =>
        steps.checkUsersActive(userIds, manager),
    });
  }

  @OnSagaCommand('auth')
  command(@Payload() command: SagaCommand, @Ctx() context: KafkaEventContext): Promise<void> {
    return answerSagaCommand(this.handlers, command, context);
  }
}
