# syntax=docker/dockerfile:1
# darkroom API image. The chart's migrations Job runs it too (`prisma migrate deploy`).
# Build from the repository root (see docker/README.md):
#   docker build -f docker/api.Dockerfile -t <registry>/darkroom-api:<tag> .
ARG NODE_IMAGE=node:20-bookworm-slim

# The package manifests alone, so the dependency layer is rebuilt only when one of them changes.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir -p /out/docker \
 && find . -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /out \; \
 && cp package-lock.json /out/ \
 && cp docker/prune-dependencies.cjs /out/docker/

# Production dependencies without Next.js, React or Pulumi, at their locked versions.
FROM ${NODE_IMAGE} AS deps
ARG TARGETARCH=amd64
WORKDIR /app
ENV CI=true ONNXRUNTIME_NODE_INSTALL=skip
COPY --from=manifests /out/ ./
RUN node docker/prune-dependencies.cjs server \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force \
 && keep=$([ "$TARGETARCH" = arm64 ] && echo arm64 || echo x64) \
 && cd node_modules/onnxruntime-node/bin/napi-v6 \
 && rm -rf darwin win32 \
 && find linux -mindepth 1 -maxdepth 1 ! -name "$keep" -exec rm -rf {} +

FROM deps AS build
COPY tsconfig.json tsconfig.base.json .swcrc prisma.config.ts ./
COPY prisma ./prisma
COPY libs ./libs
COPY apps/api ./apps/api
# The Prisma client (engineType "client": no native engine is downloaded).
RUN node_modules/.bin/prisma generate \
 && find libs apps -name '*.spec.ts' -delete \
 && mkdir -p node_modules/.cache

FROM ${NODE_IMAGE}
ENV NODE_ENV=production HOME=/tmp
WORKDIR /app
COPY --from=build /app ./
# Any non-root uid works; the chart runs it as 10001 with a read-only root filesystem.
USER 10001:10001
EXPOSE 8080
CMD ["node", "-r", "@swc-node/register", "apps/api/src/main.ts"]
