# syntax=docker/dockerfile:1
# darkroom worker image, two targets (see docker/README.md):
#   cuda (default): NVIDIA CUDA 12 + cuDNN 9 runtime and onnxruntime-node's CUDA execution provider
#     docker build -f docker/worker.Dockerfile --target cuda -t <registry>/darkroom-worker-cuda:<tag> .
#   cpu: plain Node.js, for EXECUTION_PROVIDER=cpu pools
#     docker build -f docker/worker.Dockerfile --target cpu -t <registry>/darkroom-worker:<tag> .
ARG NODE_IMAGE=node:20-bookworm-slim
# onnxruntime-node 1.30's CUDA provider is built for CUDA 12.x with cuDNN 9.
ARG CUDA_IMAGE=nvidia/cuda:12.6.3-cudnn-runtime-ubuntu22.04

FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir -p /out/docker \
 && find . -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /out \; \
 && cp package-lock.json /out/ \
 && cp docker/prune-dependencies.cjs /out/docker/

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
COPY apps/worker ./apps/worker
RUN node_modules/.bin/prisma generate \
 && find libs apps -name '*.spec.ts' -delete \
 && mkdir -p node_modules/.cache

# onnxruntime-node's install script fetches the CUDA provider libraries (NuGet) next to its binding.
# TensorRT's provider is left out: darkroom does not use it and it needs TensorRT's own libraries.
FROM build AS cuda-providers
RUN cd node_modules/onnxruntime-node \
 && ONNXRUNTIME_NODE_INSTALL=cuda12 node script/install.js \
 && ls bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so \
 && rm -f bin/napi-v6/linux/x64/libonnxruntime_providers_tensorrt.so

FROM ${NODE_IMAGE} AS cpu
ENV NODE_ENV=production HOME=/tmp EXECUTION_PROVIDER=cpu
WORKDIR /app
COPY --from=build /app ./
USER 10001:10001
CMD ["node", "-r", "@swc-node/register", "apps/worker/src/main.ts"]

FROM ${CUDA_IMAGE} AS cuda
# Node.js from the official image: the binary is all the worker needs (no npm at run time).
COPY --from=deps /usr/local/bin/node /usr/local/bin/node
ENV NODE_ENV=production HOME=/tmp EXECUTION_PROVIDER=cuda \
    NVIDIA_VISIBLE_DEVICES=all NVIDIA_DRIVER_CAPABILITIES=compute,utility
WORKDIR /app
COPY --from=cuda-providers /app ./
USER 10001:10001
CMD ["node", "-r", "@swc-node/register", "apps/worker/src/main.ts"]
