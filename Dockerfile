# syntax=docker/dockerfile:1
# The ScanDesk relay as a container (docs/DEPLOY.md; compose.yaml runs it with Redis and Caddy).
#   docker build -t scandesk-relay .
# build:   every dependency, bundles relay/ with esbuild into out/relay and the organizer's
#          console (console/) with vite into out/console (npm run build:relay does both).
# deps:    production dependencies only (npm ci --omit=dev); compiles better-sqlite3 if no
#          prebuilt binary can be fetched, hence the compilers, which stay in this stage.
# runtime: node, the bundle and those dependencies; no tsx, TypeScript or compilers.
# test/relay/deploy-files.test.ts runs this file's CMD with its ENV against the bundle.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# The Electron app's dev dependencies come along with npm ci; nothing here needs their binaries.
ENV ELECTRON_SKIP_BINARY_DOWNLOAD=1
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json tsconfig.node.json tsconfig.web.json ./
COPY scripts/build-relay.mjs scripts/bundle-node.mjs scripts/build-console.mjs scripts/
COPY shared shared
COPY relay relay
COPY console console
RUN node scripts/build-relay.mjs

FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
# Inside a container the relay listens on every interface (only compose's network reaches it);
# the SQLite store (used when SCANDESK_RELAY_REDIS is unset) lives in the /data volume.
ENV NODE_ENV=production \
    SCANDESK_RELAY_HOST=0.0.0.0 \
    SCANDESK_RELAY_PORT=8787 \
    SCANDESK_RELAY_DATA=/data
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/out/relay out/relay
COPY --from=build /app/out/console out/console
COPY package.json ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8787
# `healthcheck` reads the same env as the relay (port, host) and exits 1 unless /healthz says 200.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "out/relay/relay.mjs", "healthcheck"]
# SIGTERM drains (answers in-flight pushes once stored) within SCANDESK_RELAY_SHUTDOWN_TIMEOUT_MS
# (10 s): give `docker stop` longer than that (compose.yaml: stop_grace_period).
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "out/relay/relay.mjs"]
