# The livesync image, for people with Docker. `pnpm image` builds the same image without Docker
# (packages/image/src/spec.ts declares it, and a unit test checks that this file agrees): Debian
# bookworm, the project's Node.js, the compiled JavaScript with production dependencies only, a
# non-root user, and node itself as the entry point, so SIGTERM reaches the process that drains.
#   docker build -t livesync:0.1.0 .
# The Helm chart (deploy/helm/livesync) runs it as `node services/cli/dist/src/main.js operator …`.

# The Node.js of .node-version.
ARG NODE_VERSION=24.22.3

FROM node:${NODE_VERSION}-bookworm-slim AS build
ENV COREPACK_ENABLE_DOWNLOAD_PROMPT=0
# corepack installs the pnpm version package.json's packageManager pins.
RUN corepack enable
WORKDIR /src
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
# Every package of the lockfile into pnpm's store: this layer stays cached until it changes.
RUN pnpm fetch
COPY . .
# Compiles (tsc -b), then writes /app: the compiled packages and their production dependencies.
RUN pnpm install --frozen-lockfile --offline && pnpm image --app /app

FROM debian:bookworm-slim
# Non-root, numeric so that Kubernetes' runAsNonRoot can verify it (the chart's runAsUser).
RUN groupadd --gid 10001 livesync \
 && useradd --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin livesync
COPY --from=build /usr/local/bin/node /usr/local/bin/node
COPY --from=build /app /app
RUN ln -s /app/services/cli/dist/src/main.js /usr/local/bin/livesync
USER 10001:10001
WORKDIR /app
ENV NODE_ENV=production LIVESYNC_METRICS_HOST=0.0.0.0
EXPOSE 9090
ENTRYPOINT ["/usr/local/bin/node", "/app/services/cli/dist/src/main.js"]
CMD ["--help"]
