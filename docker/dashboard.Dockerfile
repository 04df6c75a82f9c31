# syntax=docker/dockerfile:1
# darkroom dashboard (Next.js). Its server forwards /dashboard-api/* to the API named by DARKROOM_API_URL at
# run time (the chart sets it), so one image serves any installation:
#   docker build -f docker/dashboard.Dockerfile -t <registry>/darkroom-dashboard:<tag> .
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir -p /out/docker \
 && find . -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /out \; \
 && cp package-lock.json /out/ \
 && cp docker/prune-dependencies.cjs /out/docker/

# next build needs the dev dependencies (TypeScript, types).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV CI=true ONNXRUNTIME_NODE_INSTALL=skip NEXT_TELEMETRY_DISABLED=1
COPY --from=manifests /out/ ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.base.json ./
COPY libs ./libs
# The dashboard imports types from apps/api, so every app's sources are here (the image keeps only the build).
COPY apps ./apps
RUN cd apps/dashboard && node ../../node_modules/next/dist/bin/next build

# At run time only Next.js and React.
FROM ${NODE_IMAGE} AS runtime-deps
WORKDIR /app
ENV CI=true
COPY --from=manifests /out/ ./
RUN node docker/prune-dependencies.cjs dashboard \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/@darkroom

FROM ${NODE_IMAGE}
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 HOME=/tmp
WORKDIR /app
COPY --from=runtime-deps /app/package.json ./
COPY --from=runtime-deps /app/node_modules ./node_modules
COPY --from=build /app/apps/dashboard/package.json /app/apps/dashboard/next.config.js ./apps/dashboard/
COPY --from=build /app/apps/dashboard/.next ./apps/dashboard/.next
# The chart mounts an emptyDir here; the rest of the filesystem stays read-only.
RUN rm -rf apps/dashboard/.next/cache && mkdir -p apps/dashboard/.next/cache
USER 10001:10001
EXPOSE 3000
CMD ["node", "node_modules/next/dist/bin/next", "start", "apps/dashboard", "-p", "3000"]
