/**
 * Where the local stack (`npm start`, `npm test`) runs its infrastructure. Services use
 * these as their defaults; the tools start the programs there. The credentials are for
 * the development cluster only, which listens on loopback.
 */
export const LOCAL_KAFKA_PORT = 9092;
export const LOCAL_KAFKA_BROKERS: readonly string[] = [`127.0.0.1:${LOCAL_KAFKA_PORT}`];

export const LOCAL_POSTGRES_PORT = 5433;
export const LOCAL_DATABASE_URL = `postgres://chat:chat@127.0.0.1:${LOCAL_POSTGRES_PORT}/chat`;

/**
 * The address the local stack's edge connects to the services from (`proxy_bind` in
 * nginx/local/nginx.conf): a loopback address of its own, so that the services believe
 * X-Forwarded-For from the edge alone and not from every process on the machine.
 */
export const LOCAL_EDGE_SOURCE_ADDRESS = '127.0.0.2';
