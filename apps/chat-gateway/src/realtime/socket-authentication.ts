import type { AccessTokenVerifier, VerifiedAccessToken } from '@scale-chat/access-tokens';
import type { Socket } from 'socket.io';

/** The error every refused handshake gets, whatever the reason (API.md). */
export const UNAUTHORIZED = 'unauthorized';

/** What an authenticated socket carries in `socket.data`. */
export interface SocketUser {
  readonly user: VerifiedAccessToken;
}

/**
 * A Socket.IO middleware: the handshake's `auth.token` must be a valid access token;
 * the verified user goes into `socket.data`. Runs on recovery too.
 */
export function authenticateSockets(verifier: AccessTokenVerifier) {
  return (socket: Socket, next: (error?: Error) => void): void => {
    const token: unknown = (socket.handshake.auth as Record<string, unknown> | undefined)?.[
      'token'
    ];
    if (typeof token !== 'string' || token.length > 4_096) {
      next(new Error(UNAUTHORIZED));
      return;
    }
    verifier.verify(token).then(
      (user) => {
        (socket.data as SocketUser) = { user };
        next();
      },
      () => next(new Error(UNAUTHORIZED)),
    );
  };
}
