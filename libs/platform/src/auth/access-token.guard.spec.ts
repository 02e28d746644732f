import {
  ServiceUnavailableException,
  UnauthorizedException,
  type ExecutionContext,
} from '@nestjs/common';
import {
  AccessTokenCheckUnavailableError,
  InvalidAccessTokenError,
} from '@scale-chat/access-tokens';
import type { PinoLogger } from 'nestjs-pino';
import { AccessTokenGuard } from './access-token.guard';
import type { BearerAuthentication } from './bearer-authentication';

const contextWith = (authorization: string | undefined) => {
  const request = { headers: { authorization } };
  return {
    request,
    context: { switchToHttp: () => ({ getRequest: () => request }) } as ExecutionContext,
  };
};
const warnings: unknown[] = [];
const logger = { warn: (...line: unknown[]) => warnings.push(line) } as unknown as PinoLogger;
const guardWhoseVerifier = (verifyRequest: () => Promise<unknown>) =>
  new AccessTokenGuard({ verifyRequest } as unknown as BearerAuthentication, logger);

describe('AccessTokenGuard', () => {
  it('lets a verified bearer through and keeps who it is', async () => {
    const user = { userId: 'u', username: 'ann' };
    const { request, context } = contextWith('Bearer good');
    await expect(
      guardWhoseVerifier(() => Promise.resolve(user)).canActivate(context),
    ).resolves.toBe(true);
    expect(request).toMatchObject({ accessToken: user });
  });

  it('answers 401 to a missing or invalid token', async () => {
    const refusing = guardWhoseVerifier(() =>
      Promise.reject(new InvalidAccessTokenError('expired')),
    );
    for (const header of [undefined, '', 'Basic abc', 'Bearer ', 'Bearer bad'])
      await expect(refusing.canActivate(contextWith(header).context)).rejects.toBeInstanceOf(
        UnauthorizedException,
      );
  });

  it('answers 503 when the token cannot be checked now (keys or revocations out of reach)', async () => {
    const unavailable = guardWhoseVerifier(() =>
      Promise.reject(new AccessTokenCheckUnavailableError('the public keys are out of reach')),
    );
    await expect(unavailable.canActivate(contextWith('Bearer t').context)).rejects.toBeInstanceOf(
      ServiceUnavailableException,
    );
    expect(warnings).toHaveLength(1);
  });
});
