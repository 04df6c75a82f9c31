#!/usr/bin/env bash
# `npm test`: every test of the monorepo against the machine's real Postgres and Redis (type check first).
set -euo pipefail
cd "$(dirname "$0")/.."
export ONNXRUNTIME_NODE_INSTALL=skip NEXT_TELEMETRY_DISABLED=1 NX_NO_CLOUD=true NX_DAEMON=false
bash scripts/ensure-install.sh
echo "› type check"
npx tsc -p tsconfig.json --noEmit
npx tsc -p infra/tsconfig.json --noEmit
echo "› tests"
npx jest --ci "$@"
