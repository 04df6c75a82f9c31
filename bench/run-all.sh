#!/usr/bin/env bash
# `npm run bench`: every benchmark, each printing its figures and its ratio against a baseline measured in the
# same run. Needs local Postgres and Redis (the same as the tests). One at a time: they measure the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
for bench in bench/*.bench.ts; do
  echo "════ $bench"
  node -r @swc-node/register "$bench"
done
