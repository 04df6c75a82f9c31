#!/usr/bin/env bash
# Installs node modules when missing or stale, and generates the Prisma client. Nothing is downloaded at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
export ONNXRUNTIME_NODE_INSTALL=skip NEXT_TELEMETRY_DISABLED=1
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "› installing node modules (npm ci)…"
  npm ci --no-audit --no-fund
fi
if [ ! -f libs/db/src/generated/client/index.js ] || [ prisma/schema.prisma -nt libs/db/src/generated/client/index.js ]; then
  echo "› generating the Prisma client…"
  npx prisma generate >/dev/null
fi
