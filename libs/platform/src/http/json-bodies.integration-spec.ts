import {
  Body,
  Controller,
  Delete,
  Get,
  Module,
  Post,
  Query,
  Req,
  type DynamicModule,
} from '@nestjs/common';
import { Type } from 'class-transformer';
import { LOCAL_EDGE_SOURCE_ADDRESS } from '@scale-chat/contracts';
import { IsInt, IsOptional, IsString, Min } from 'class-validator';
import { readServiceConfig, type ServiceConfig } from '../config';
import { PlatformModule } from '../platform.module';
import { requestFrom } from '../testing/request-from';
import { startTestService, type TestService } from '../testing/test-service';
import { JSON_DEPTH_MAX } from './json-bodies';

class ProbeBody {
  @IsString()
  name!: string;
}

class ProbeQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  limit?: number;
}

@Controller('probe')
class ProbeController {
  @Post()
  echo(@Body() body: ProbeBody): ProbeBody {
    return body;
  }

  @Get('page')
  page(@Query() query: ProbeQuery): { limit: number | null } {
    return { limit: query.limit ?? null };
  }

  @Post('name')
  name(@Body('name') name: unknown): { name: unknown } {
    return { name };
  }

  /** How often `remove` ran. */
  static removals = 0;

  @Delete()
  remove(): { removed: true } {
    ProbeController.removals += 1;
    return { removed: true };
  }

  @Get('address')
  address(@Req() request: { ip?: string }): { ip?: string } {
    return { ip: request.ip };
  }
}

@Module({})
class ProbeModule {
  static register(config: ServiceConfig): DynamicModule {
    return {
      module: ProbeModule,
      imports: [PlatformModule.forService(config)],
      controllers: [ProbeController],
    };
  }
}

/** `{"name": [[[...]]]}`: the body nests `depth` levels (the outer object is one). */
const nested = (depth: number) => `{"name": ${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;

describe('request bodies, headers and client addresses of every service', () => {
  let service: TestService;
  const post = (body: string, contentType: string) =>
    fetch(`${service.url}/probe`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });

  beforeAll(async () => {
    service = await startTestService({
      service: 'auth' as const,
      readConfig: (env: Record<string, string | undefined>) => readServiceConfig('auth', env),
      rootModule: (config: ServiceConfig) => ProbeModule.register(config),
    });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('parses JSON and answers without saying which framework it is', async () => {
    const response = await post('{"name":"ann"}', 'application/json; charset=UTF-8');
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ name: 'ann' });
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  it.each([2_000, 20_000])(
    'answers 400 in the error shape to a body nested %i deep, before any recursive walk',
    async (depth) => {
      const response = await post(nested(depth), 'application/json');
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: `The JSON body nests deeper than ${JSON_DEPTH_MAX} levels`,
      });
    },
  );

  it(`lets a body of exactly ${JSON_DEPTH_MAX} levels through to validation`, async () => {
    const response = await post(nested(JSON_DEPTH_MAX), 'application/json');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ message: ['name must be a string'] });
  });

  it.each(['null', '5', '"ann"', 'true', '[]', '[{"name":"ann"}]'])(
    'answers 400 in the error shape to the JSON value %s as a body: it must be an object',
    async (body) => {
      const response = await post(body, 'application/json');
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: 'The request body must be a JSON object',
      });
    },
  );

  it('answers 413 in the error shape to a body over 100 kB, naming the limit', async () => {
    const response = await post(JSON.stringify({ name: 'x'.repeat(200_000) }), 'application/json');
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'The request body is larger than 100 kB',
    });
  });

  it.each([
    ['{"name":', /^The request body is not valid JSON: Unexpected end of JSON input$/],
    ['{bad', /^The request body is not valid JSON: .*position 1/],
  ])(
    'answers 400 saying the body is not JSON, and where it breaks, to %j',
    async (body, wording) => {
      const response = await post(body, 'application/json');
      expect(response.status).toBe(400);
      const { message } = (await response.json()) as { message: string };
      expect(message).toMatch(wording);
    },
  );

  it.each([
    ['application/x-www-form-urlencoded', 'name=ann'],
    ['text/plain', '{"name":"ann"}'],
    ['multipart/form-data; boundary=x', '--x\r\n\r\nann\r\n--x--'],
    ['application/json; charset=utf-16', '{"name":"ann"}'],
  ])('answers 415 in the error shape to a body of %s', async (contentType, body) => {
    const response = await post(body, contentType);
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: 'The request body must be JSON: Content-Type: application/json (UTF-8)',
    });
  });

  it('answers 400 to a body that is not UTF-8, and to text with a lone surrogate, naming where', async () => {
    const bytes = await fetch(`${service.url}/probe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.concat([
        Buffer.from('{"name":"a'),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('b"}'),
      ]),
    });
    expect(bytes.status).toBe(400);
    expect(await bytes.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'The request body must be UTF-8 text',
    });
    const lone = await post('{"name":"a\\ud800b"}', 'application/json');
    expect(lone.status).toBe(400);
    expect(await lone.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      // As for a NUL or a failed rule: a list of what is wrong, by field.
      message: ['name must be well-formed Unicode text (a lone surrogate)'],
    });
  });

  it('minds no Content-Type on a request without a body', async () => {
    const response = await fetch(`${service.url}/probe/address`, {
      headers: { 'content-type': 'text/plain' },
    });
    expect(response.status).toBe(200);
  });

  it("believes X-Forwarded-For from the edge's address only, never from another loopback client", async () => {
    const url = `${service.url}/probe/address`;
    const headers = { 'x-forwarded-for': '10.0.0.7' };
    const direct = await requestFrom(url, { headers });
    expect(JSON.parse(direct.body)).toEqual({ ip: '127.0.0.1' });
    const edge = await requestFrom(url, { headers, localAddress: LOCAL_EDGE_SOURCE_ADDRESS });
    expect(JSON.parse(edge.body)).toEqual({ ip: '10.0.0.7' });
  });
  it('takes a query parameter with no value as absent, and still checks one with a value', async () => {
    const page = async (query: string) => {
      const response = await fetch(`${service.url}/probe/page${query}`);
      return { status: response.status, body: (await response.json()) as unknown };
    };
    expect(await page('?limit=')).toEqual({ status: 200, body: { limit: null } });
    expect(await page('?limit=5')).toEqual({ status: 200, body: { limit: 5 } });
    expect((await page('?limit=0')).status).toBe(400);
    expect((await page('?limit=&other=')).status).toBe(200);
    expect((await page('?other=1')).status).toBe(400);
  });

  it('answers 400 to a query parameter sent to an endpoint that takes no query, as to an unknown one', async () => {
    const address = (query: string) => fetch(`${service.url}/probe/address${query}`);
    const refused = await address('?_=1733550000');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: ['property _ should not exist'],
    });
    // With no value, absent, as on an endpoint that takes a query.
    expect((await address('?flag=')).status).toBe(200);
    expect((await address('')).status).toBe(200);
  });

  it('answers 400 to a body sent to an endpoint that takes none, and acts on nothing', async () => {
    const remove = (body?: string) =>
      fetch(`${service.url}/probe`, {
        method: 'DELETE',
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body }),
      });
    const refused = await remove('{"confirm":true}');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: ['property confirm should not exist'],
    });
    expect(((await (await remove('[1]')).json()) as { message: unknown }).message).toEqual([
      'This request takes no body',
    ]);
    expect(ProbeController.removals).toBe(0);
    expect((await remove('{}')).status).toBe(200);
    expect((await remove()).status).toBe(200);
    expect(ProbeController.removals).toBe(2);
    // A handler that reads one field of the body takes a body.
    expect((await post('{"name":"ann"}', 'application/json')).status).toBe(201);
    const field = await fetch(`${service.url}/probe/name`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"ann"}',
    });
    expect(await field.json()).toEqual({ name: 'ann' });
  });
});
