#!/usr/bin/env bash
# Checks that Postgres and Redis answer; says exactly what to do when they don't.
set -uo pipefail
cd "$(dirname "$0")/.."
node scripts/check-services.js
