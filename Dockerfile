# One image for every livesync component; the Helm chart (deploy/helm/livesync) runs it as
# `node --import tsx services/cli/src/main.ts operator --components <list> ...`.
#   docker build -t livesync:0.1.0 .
# The services run from their TypeScript sources through tsx (as in development), so the
# install keeps the dev dependencies: tsx is one of them.

FROM node:24-bookworm-slim AS build
ENV COREPACK_ENABLE_DOWNLOAD_PROMPT=0
# corepack installs the pnpm version package.json's packageManager pins.
RUN corepack enable
WORKDIR /app
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
# Every package of the lockfile into pnpm's store: this layer stays cached until it changes.
RUN pnpm fetch
COPY . .
RUN pnpm install --frozen-lockfile --offline

FROM node:24-bookworm-slim
WORKDIR /app
COPY --from=build /app /app
# Non-root, numeric so that Kubernetes' runAsNonRoot can verify it (the chart's runAsUser).
USER 10001:10001
ENV LIVESYNC_METRICS_HOST=0.0.0.0
EXPOSE 9090
CMD ["node", "--import", "tsx", "services/cli/src/main.ts", "operator", "--help"]
