import { isUuid, SAGA_COMMANDS, type SagaCommand } from '@scale-chat/contracts';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  answerSagaCommand,
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
  [SAGA_COMMANDS.createChatProfile]: createProfile,
  [SAGA_COMMANDS.deleteChatProfile]: deleteProfile,
  [SAGA_COMMANDS.activateRoom]: activateRoom,
  [SAGA_COMMANDS.cancelRoom]: cancelRoom,
  [SAGA_COMMANDS.removeUserFromRooms]: async (command, manager) => {
    const { userId } = command.payload;
    if (!isUuid(userId)) return { outcome: 'failed', reason: 'userId is not a UUID' };
    await removeUserFromRooms(userId, manager);
    return deleteProfile(command, manager);
  },
};

/** Answers the saga commands sent to chat-gateway (`saga.chat-commands`). */
@Controller()
export class ChatSagaController {
  @OnSagaCommand('chat-gateway')
  command(@Payload() command: SagaCommand, @Ctx() context: KafkaEventContext): Promise<void> {
    return answerSagaCommand(chatSagaCommands, command, context);
  }
}

export async function createProfile(
  command: SagaCommand,
  manager: EntityManager,
): Promise<CommandOutcome> {
  const { userId, username, displayName } = command.payload;
  if (!isUuid(userId) || typeof username !== 'string' || typeof displayName !== 'string') {
    return {
      outcome: 'failed',
      reason: 'the signup payload lacks userId, username or displayName',
    };
  }
  await new ProfilesRepository(manager).insertIfAbsent({ userId, username, displayName });
  return { outcome: 'succeeded' };
}

export async function deleteProfile(
  command: SagaCommand,
  manager: EntityManager,
): Promise<CommandOutcome> {
  const { userId } = command.payload;
  if (isUuid(userId)) await new ProfilesRepository(manager).delete(userId);
  return { outcome: 'succeeded' };
}
