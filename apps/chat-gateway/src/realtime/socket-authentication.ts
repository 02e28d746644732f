import { InvalidAccessTokenError, type VerifiedAccessToken } from '@scale-chat/access-tokens';
import type { HandshakeErrorCode } from '@scale-chat/contracts';
import type { BearerAuthentication } from '@scale-chat/platform';
import type { Logger } from 'pino';
import type { Socket } from 'socket.io';

/** The error every refused handshake gets, whatever is wrong with its token (API.md). */
export const UNAUTHORIZED = 'unauthorized' satisfies HandshakeErrorCode;

/** The handshake's error when its token could not be checked at all (auth out of reach). */
export const INTERNAL = 'internal' satisfies HandshakeErrorCode;

/** What an authenticated socket carries in `socket.data`. */
export interface SocketUser {
  readonly user: VerifiedAccessToken;
}

/** What a socket of the chat server carries in `socket.data`: its user, once authenticated. */
export type ChatSocketData = Partial<SocketUser>;

/**
 * The user of an authenticated socket. Every socket past the handshake has one
 * (`authenticateSockets`); one without is a programming error, not a refusal.
 */
export function userOf(socket: Pick<Socket, 'data' | 'id'>): VerifiedAccessToken {
  const { user } = socket.data as ChatSocketData;
  if (user === undefined) throw new Error(`socket ${socket.id} has no authenticated user`);
  return user;
}

/**
 * A Socket.IO middleware: the handshake's `auth.token` must be a valid access token,
 * judged by the same passport strategy as REST; the verified user goes into `socket.data`. Runs on recovery too, where the token must
 * be the recovered socket's user's. A token that cannot be checked now fails with
 * `internal`, logged, so the client tries again.
 */
export function authenticateSockets(bearer: BearerAuthentication, logger: Logger) {
  return (socket: Socket, next: (error?: Error) => void): void => {
    const token: unknown = (socket.handshake.auth as Record<string, unknown> | undefined)?.[
      'token'
    ];
    if (typeof token !== 'string' || token.length > 4_096) {
      next(new Error(UNAUTHORIZED));
      return;
    }
    bearer.verifyToken(token).then(
      (user) => {
        // A recovered socket carries the user it had; a token of anyone else may not take it.
        const recoveredUser = (socket.data as ChatSocketData | undefined)?.user;
        if (socket.recovered && recoveredUser?.userId !== user.userId) {
          next(new Error(UNAUTHORIZED));
          return;
        }
        (socket.data as ChatSocketData) = { user };
        next();
      },
      (error: unknown) => {
        if (!(error instanceof InvalidAccessTokenError))
          logger.warn({ err: error }, 'a handshake token could not be checked');
        next(new Error(error instanceof InvalidAccessTokenError ? UNAUTHORIZED : INTERNAL));
      },
    );
  };
}
