import { GatewayFixture, type Member } from '../testing/gateway-fixture';

jest.setTimeout(60_000);

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/**
 * Bodies that are not what API.md says (JSON) or too deep to walk: the error shape,
 * before a guard, pipe or service runs, and nothing stored.
 */
describe("hostile bodies on chat-gateway's REST routes", () => {
  let chat: GatewayFixture;
  let member: Member;
  let roomId: string;

  beforeAll(async () => {
    chat = await GatewayFixture.start();
    member = await chat.member();
    roomId = await chat.room([member]);
  });

  afterAll(async () => {
    await chat?.close();
  });

  const post = (path: string, contentType: string, body: string) =>
    fetch(`${chat.gateway.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${member.token}`, 'content-type': contentType },
      body,
    });

  const stored = async () =>
    (await chat.dataSource.query(
      `SELECT (SELECT count(*) FROM "rooms")::int AS "rooms",
              (SELECT count(*) FROM "messages")::int AS "messages"`,
    )) as unknown;

  it.each([
    ['/api/rooms', `{"name": ${nested(2_000)}}`],
    ['/api/rooms/:id/messages', `{"clientMsgId": "a", "body": ${nested(2_000)}}`],
  ])('%s: 2,000 nested arrays are a 400, and nothing is stored', async (route, body) => {
    const before = await stored();
    const response = await post(route.replace(':id', roomId), 'application/json', body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'The JSON body nests deeper than 32 levels',
    });
    expect(await stored()).toEqual(before);
  });

  it.each([
    ['/api/rooms', 'name=lunch'],
    ['/api/rooms/:id/messages', 'clientMsgId=a&body=hello'],
  ])('%s: a form is a 415, and nothing is stored', async (route, body) => {
    const before = await stored();
    const response = await post(
      route.replace(':id', roomId),
      'application/x-www-form-urlencoded',
      body,
    );
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({
      statusCode: 415,
      error: 'Unsupported Media Type',
    });
    expect(await stored()).toEqual(before);
  });
});
