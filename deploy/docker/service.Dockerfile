# syntax=docker/dockerfile:1
# One image per service: docker build -f deploy/docker/service.Dockerfile --build-arg SERVICE=auth .
# The service is bundled by its Nx `build` target (tools/src/build/bundle-service.ts) and
# runs with production dependencies only, as the unprivileged `node` user.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
ARG SERVICE
WORKDIR /repo
# patches/: fixes to dependencies, applied by npm's postinstall (patch-package).
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY . .
RUN NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false npx nx run ${SERVICE}:build

FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ENV NODE_ENV=production
WORKDIR /app
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /repo/dist/apps/${SERVICE} ./dist
COPY deploy/docker/health-check.js deploy/docker/make-signing-key.js ./
# A named volume mounted at /keys starts with this folder's owner: auth's key is written
# and read as `node`, never as root.
RUN mkdir /keys && chown node:node /keys
USER node
# GET /health on $PORT (every service sets PORT in compose; see docker-compose.yml).
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=6 CMD ["node", "health-check.js"]
# The Node flags of SERVICE_NODE_FLAGS (tools/src/infra/services.ts), which says why.
CMD ["node", "--enable-source-maps", "--max-semi-space-size=32", "dist/main.js"]
