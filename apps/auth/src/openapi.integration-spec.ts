import { startTestService, type TestService } from '@scale-chat/platform/testing';
import { authService } from './app.module';
import type { AuthConfig } from './auth-config';

describe('the OpenAPI document of auth', () => {
  let auth: TestService<AuthConfig>;

  beforeAll(async () => {
    auth = await startTestService(authService);
  });

  afterAll(async () => {
    await auth?.close();
  });

  it('is served under /api/auth/docs (routed by the edge) and covers every endpoint', async () => {
    const response = await fetch(`${auth.url}/api/auth/docs/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(document.paths).sort()).toEqual([
      '/api/auth/jwks',
      '/api/auth/login',
      '/api/auth/logout',
      '/api/auth/refresh',
      '/api/auth/signup',
      '/api/users',
      '/api/users/me',
      '/api/users/{id}',
      '/health',
      '/health/live',
    ]);
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining([
        'LoginRequest',
        'RefreshRequest',
        'TokenPair',
        'UserView',
        'UserList',
      ]),
    );
    expect((await fetch(`${auth.url}/api/auth/docs`)).status).toBe(200);
  });
});
