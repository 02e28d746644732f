import { SAGA_COMMANDS, type SagaCommand, type UserSagaPayload } from '@scale-chat/contracts';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  answerSagaCommand,
  forSagaPayload,
  OnSagaCommand,
  type CommandHandlers,
  type CommandOutcome,
  type KafkaEventContext,
} from '@scale-chat/platform';
import type { EntityManager } from 'typeorm';
import { ProfilesRepository } from '../profiles/profiles.repository';
import { RoomSagaSteps } from '../rooms/room-saga-steps';

/** Answers the saga commands sent to chat-gateway (`saga.chat-commands`). */
@Controller()
export class ChatSagaController {
  /** By command name. Every handler may run twice with the effect of once. */
  readonly handlers: CommandHandlers;

  constructor(
    private readonly profiles: ProfilesRepository,
    rooms: RoomSagaSteps,
  ) {
    this.handlers = {
      [SAGA_COMMANDS.createChatProfile]: forSagaPayload(
        SAGA_COMMANDS.createChatProfile,
        (payload, manager) => this.createProfile(payload, manager),
      ),
      [SAGA_COMMANDS.deleteChatProfile]: forSagaPayload(
        SAGA_COMMANDS.deleteChatProfile,
        (payload, manager) => this.deleteProfile(payload, manager),
      ),
      [SAGA_COMMANDS.activateRoom]: forSagaPayload(SAGA_COMMANDS.activateRoom, (...step) =>
        rooms.activate(...step),
      ),
      [SAGA_COMMANDS.cancelRoom]: forSagaPayload(SAGA_COMMANDS.cancelRoom, (...step) =>
        rooms.cancel(...step),
      ),
      [SAGA_COMMANDS.removeUserFromRooms]: forSagaPayload(
        SAGA_COMMANDS.removeUserFromRooms,
        async (payload, manager) => {
          await rooms.removeUserFromRooms(payload.userId, manager);
          return this.deleteProfile(payload, manager);
        },
      ),
    };
  }

  @OnSagaCommand('chat-gateway')
  command(@Payload() command: SagaCommand, @Ctx() context: KafkaEventContext): Promise<void> {
    return answerSagaCommand(this.handlers, command, context);
  }

  private async createProfile(
    { userId, username, displayName }: UserSagaPayload,
    manager: EntityManager,
  ): Promise<CommandOutcome> {
    await this.profiles.in(manager).insertIfAbsent({ userId, username, displayName });
    return { outcome: 'succeeded' };
  }

  private async deleteProfile(
    { userId }: UserSagaPayload,
    manager: EntityManager,
  ): Promise<CommandOutcome> {
    await this.profiles.in(manager).delete(userId);
    return { outcome: 'succeeded' };
  }
}
