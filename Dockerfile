# syntax=docker/dockerfile:1
# The connector image: `docker build -t teams-presence-kafka-connector .`
# The same image runs the Graph simulator (`simulate`) and the other CLI commands (`check-config`, `tail`).
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: compile TypeScript with the dev dependencies, then throw them away ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: package.json's `prepare` would build, and the sources are not here yet (they come later, so a
# code change reuses this layer); the build is the step below. Only test tools (esbuild, ssh2) have install scripts.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY schemas ./schemas
COPY src ./src
# postbuild copies schemas/ to dist/schemas: the codecs load ../../schemas/*.avsc relative to dist/src/.
RUN npm run build

# ---- production dependencies only, in a layer of their own so code changes reuse it ----
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build, without the compiler (a dev dependency) or the sources. No production
# dependency has an install script.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime ----
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json LICENSE ./
# Config and secrets are mounted at run time; this directory is writable for the simulator's folder in
# docker-compose.yml (its certificate and key, kept across restarts; a named volume mounted here starts with this
# ownership).
RUN mkdir -p /etc/presence-connector /var/lib/presence-connector && chown node:node /var/lib/presence-connector
# The node image's unprivileged user (uid 1000): the connector needs no privilege and writes nothing but logs.
USER node
# Metrics (/metrics) and health (/healthz, /readyz): observability.httpPort.
EXPOSE 9464
# Liveness only (/healthz): readiness (/readyz) turns false while Kafka or Graph are away, which is no reason to
# restart the container. Follows observability.httpPort when it is set through the environment.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PRESENCE_OBSERVABILITY_HTTP_PORT || 9464) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["run", "--config", "/etc/presence-connector/config.yaml"]
