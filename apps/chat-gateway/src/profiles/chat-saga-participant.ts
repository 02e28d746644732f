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
import { activateRoom, cancelRoom, removeUserFromRooms } from '../rooms/room-saga-handlers';
import { ProfilesRepository } from './profiles.repository';

/** chat-gateway's part in the sagas. Every handler may run twice with the effect of once. */
export const chatSagaCommands: CommandHandlers = {
  [SAGA_COMMANDS.createChatProfile]: forSagaPayload(SAGA_COMMANDS.createChatProfile, createProfile),
  [SAGA_COMMANDS.deleteChatProfile]: forSagaPayload(SAGA_COMMANDS.deleteChatProfile, deleteProfile),
  [SAGA_COMMANDS.activateRoom]: activateRoom,
  [SAGA_COMMANDS.cancelRoom]: cancelRoom,
  [SAGA_COMMANDS.removeUserFromRooms]: forSagaPayload(
    SAGA_COMMANDS.removeUserFromRooms,
    async (payload, manager) => {
      await removeUserFromRooms(payload.userId, manager);
      return deleteProfile(payload, manager);
    },
  ),
};

/** Answers the saga commands sent to chat-gateway (`saga.chat-commands`). */
@Controller()
export class ChatSagaController {
  @OnSagaCommand('chat-gateway')
  command(@Payload() command: SagaCommand, @Ctx() context: KafkaEventContext): Promise<void> {
    return answerSagaCommand(chatSagaCommands, command, context);
  }
}

async function createProfile(
  { userId, username, displayName }: UserSagaPayload,
  manager: EntityManager,
): Promise<CommandOutcome> {
  await new ProfilesRepository(manager).insertIfAbsent({ userId, username, displayName });
  return { outcome: 'succeeded' };
}

async function deleteProfile(
  { userId }: UserSagaPayload,
  manager: EntityManager,
): Promise<CommandOutcome> {
  await new ProfilesRepository(manager).delete(userId);
  return { outcome: 'succeeded' };
}
