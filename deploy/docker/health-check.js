// The service images' HEALTHCHECK: GET /health on this container's $PORT answers 200.
const url = `http://127.0.0.1:${process.env.PORT}/health`;
fetch(url, { signal: AbortSignal.timeout(2500) }).then(
  (response) => process.exit(response.status === 200 ? 0 : 1),
  () => process.exit(1),
);
