# Defaults for running darkroom on one machine. Sourced by start.sh; any variable already set wins.
# Secrets are generated once into .data/secrets.env (never committed).
mkdir -p .data
if [ ! -f .data/secrets.env ]; then
  echo "URL_SIGNING_SECRET=$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')" > .data/secrets.env
fi
set -a
. ./.data/secrets.env
: "${DATABASE_URL:=postgresql://postgres@127.0.0.1:5432/darkroom}"
: "${REDIS_URL:=redis://127.0.0.1:6379}"
: "${API_PORT:=8080}"
: "${DASHBOARD_PORT:=3000}"
: "${PUBLIC_BASE_URL:=http://127.0.0.1:${API_PORT}}"
: "${STORAGE_DIR:=$PWD/.data/storage}"
: "${MODELS_DIR:=$PWD/.data/models}"
: "${POOLS:=cpu=SD1,SD2,SDXL}"
: "${WORKER_POOL:=cpu}"
: "${ONNXRUNTIME_NODE_INSTALL:=skip}"
: "${NEXT_TELEMETRY_DISABLED:=1}"
: "${NX_NO_CLOUD:=true}"
: "${NX_DAEMON:=false}"
set +a
