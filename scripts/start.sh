#!/usr/bin/env bash
# `npm start`: installs, migrates, seeds the demo (tiny model, demo tenant with credits and an API key), then runs
# the API, one CPU worker and the dashboard on this machine until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/local-env.sh
bash scripts/ensure-install.sh
bash scripts/check-services.sh
node -r @swc-node/register scripts/create-database.ts
npx prisma migrate deploy >/dev/null
echo "› database migrated"
node -r @swc-node/register scripts/seed-demo.ts
if [ ! -f apps/dashboard/.next/BUILD_ID ] || [ -n "$(find apps/dashboard/app apps/dashboard/src -newer apps/dashboard/.next/BUILD_ID -type f 2>/dev/null | head -1)" ]; then
  echo "› building the dashboard…"
  (cd apps/dashboard && npx next build >/dev/null)
fi
exec node scripts/run-platform.js
