# syntax=docker/dockerfile:1
# The edge: nginx with the shared includes, the compose template (rendered with envsubst by
# the image's entrypoint at start) and the built web app, as the image's unprivileged user.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS web
WORKDIR /repo
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY . .
RUN NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false npx nx run web:build

# 1.28: the open-source nginx resolves upstream names again while it runs (`server ... resolve`,
# since 1.27.3), which the Kubernetes edge needs to follow the gateway pods.
FROM nginxinc/nginx-unprivileged:1.28-alpine AS runtime
USER root
# The entrypoint renders /etc/nginx/templates/nginx.conf.template into this folder.
ENV NGINX_ENVSUBST_OUTPUT_DIR=/etc/nginx/compose
RUN mkdir -p /etc/nginx/compose && chown nginx /etc/nginx/compose
COPY nginx/includes /etc/nginx/includes
COPY nginx/compose/nginx.conf.template /etc/nginx/templates/nginx.conf.template
COPY --from=web /repo/dist/apps/web /usr/share/nginx/html
USER nginx
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=6 CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/health"]
CMD ["nginx", "-c", "/etc/nginx/compose/nginx.conf"]
