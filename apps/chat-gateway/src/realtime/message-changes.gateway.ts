import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { MessageView, SocketAck } from '@scale-chat/contracts';
import type { Socket } from 'socket.io';
import { EditMessageEvent, MessageRefEvent, ReactionEvent } from '../messages/message-changes.dto';
import { MessageChangesService } from '../messages/message-changes.service';
import { SocketAnswers } from './socket-answers';
import { parsePayload, refuseOversizeBody } from './socket-payloads';

type MessageAck = Promise<SocketAck<{ message: MessageView }>>;

/**
 * API.md v1.1's events on one message: `message:edit`, `message:delete`, `reaction:add`
 * and `reaction:remove`, on the same server as `ChatGateway`, whose middleware has
 * already authenticated the socket, refused unknown events and taken the send budget
 * (limitEvents). Each is validated like `message:send` (an edit's body too long is
 * `payload_too_large`) and answered through `SocketAnswers.answerStoring` (expired
 * tokens, correlation ids, the error acks; a socket closed for flooding is closed once
 * they are answered, as its sends are).
 */
@WebSocketGateway()
export class MessageChangesGateway {
  constructor(
    private readonly answers: SocketAnswers,
    private readonly changes: MessageChangesService,
  ) {}

  @SubscribeMessage('message:edit')
  edit(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): MessageAck {
    const parse = (given: unknown) => {
      refuseOversizeBody(given);
      return parsePayload(EditMessageEvent, given);
    };
    return this.run(socket, payload, parse, (userId, event) =>
      this.changes.edit(userId, event, event.body),
    );
  }

  @SubscribeMessage('message:delete')
  remove(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): MessageAck {
    return this.run(
      socket,
      payload,
      (given) => parsePayload(MessageRefEvent, given),
      (userId, event) => this.changes.remove(userId, event),
    );
  }

  @SubscribeMessage('reaction:add')
  react(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): MessageAck {
    return this.run(
      socket,
      payload,
      (given) => parsePayload(ReactionEvent, given),
      (userId, event) => this.changes.react(userId, event),
    );
  }

  @SubscribeMessage('reaction:remove')
  unreact(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): MessageAck {
    return this.run(
      socket,
      payload,
      (given) => parsePayload(ReactionEvent, given),
      (userId, event) => this.changes.unreact(userId, event),
    );
  }

  private run<T extends object>(
    socket: Socket,
    payload: unknown,
    parse: (payload: unknown) => Promise<T>,
    change: (userId: string, event: T) => Promise<MessageView>,
  ): MessageAck {
    return this.answers.answerStoring(socket, async (user) => ({
      message: await change(user.userId, await parse(payload)),
    }));
  }
}
