import { SAGA_COMMANDS, type SagaCommand } from '@scale-chat/contracts';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  answerSagaCommand,
  OnSagaCommand,
  sagaStepHandlers,
  type CommandHandlers,
  type KafkaEventContext,
} from '@scale-chat/platform';
import { ProfileSagaSteps } from '../profiles/profile-saga-steps';
import { RoomSagaSteps } from '../rooms/room-saga-steps';

/** Answers the saga commands sent to chat-gateway (`saga.chat-commands`). */
@Controller()
export class ChatSagaController {
  /** By command name, each a step of `ProfileSagaSteps` or `RoomSagaSteps`. */
  readonly handlers: CommandHandlers;

  constructor(profiles: ProfileSagaSteps, rooms: RoomSagaSteps) {
    this.handlers = sagaStepHandlers({
      [SAGA_COMMANDS.createChatProfile]: (payload, manager) => profiles.create(payload, manager),
      [SAGA_COMMANDS.deleteChatProfile]: (payload, manager) => profiles.delete(payload, manager),
      [SAGA_COMMANDS.activateRoom]: (...step) => rooms.activate(...step),
      [SAGA_COMMANDS.cancelRoom]: (...step) => rooms.cancel(...step),
      [SAGA_COMMANDS.removeUserFromRooms]: async (payload, manager) => {
        await rooms.removeUserFromRooms(payload.userId, manager);
        return profiles.delete(payload, manager);
      },
    });
  }

  @OnSagaCommand('chat-gateway')
  command(@Payload() command: SagaCommand, @Ctx() context: KafkaEventContext): Promise<void> {
    return answerSagaCommand(this.handlers, command, context);
  }
}
