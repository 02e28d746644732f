import { GatewayFixture } from './gateway-fixture';

export interface TwoInstances {
  /** The first instance, with the database and the members' tokens. */
  readonly chat: GatewayFixture;
  /** The second instance's `http://127.0.0.1:<port>`. */
  readonly otherUrl: string;
}

/**
 * For the enclosing `describe`: two gateway instances over one database and Kafka, started
 * before its tests and closed after them. Read the fields inside tests only.
 */
export function twoGatewayInstances(): TwoInstances {
  let chat: GatewayFixture | undefined;
  let otherUrl: string | undefined;
  beforeAll(async () => {
    chat = await GatewayFixture.start();
    otherUrl = (await chat.twin()).url;
  });
  afterAll(async () => {
    await chat?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the gateway instances have not started');
    return value;
  };
  return {
    get chat() {
      return started(chat);
    },
    get otherUrl() {
      return started(otherUrl);
    },
  };
}
