#!/usr/bin/env bash
# Start the action server, the Rasa server (REST + socket.io) and the widget page together.
# Ctrl-C (or any of them dying) stops all three. Usage: run.sh VENV MODEL
set -euo pipefail
venv=$1
model=$2
cd "$(dirname "$0")/.."
# The Makefile's defaults, so the script also runs on its own (endpoints.yml needs every variable).
: "${RASA_PORT:=5005}" "${ACTION_PORT:=5055}" "${ACTION_HOST:=localhost}" "${ACTION_BIND:=127.0.0.1}" "${WIDGET_PORT:=8080}"
: "${LOCK_STORE_TYPE:=stores.memory_lock_store.ShortWaitInMemoryLockStore}" "${LOCK_STORE_URL:=}" "${TRACKER_DIALECT:=sqlite}" "${TRACKER_HOST:=}"
: "${TRACKER_DB:=$PWD/models/tracker.db}" "${TRACKER_USER:=}" "${TRACKER_PASSWORD:=}"
export RASA_PORT ACTION_PORT ACTION_HOST ACTION_BIND WIDGET_PORT LOCK_STORE_TYPE LOCK_STORE_URL \
  TRACKER_DIALECT TRACKER_HOST TRACKER_DB TRACKER_USER TRACKER_PASSWORD
pids=()
stop() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop INT TERM EXIT

# The action server has no authentication: loopback only (ACTION_BIND), no CORS, no echoed bodies.
"$venv/bin/python" scripts/action_server.py --port "$ACTION_PORT" --host "$ACTION_BIND" &
pids+=($!)
# Rasa's HTTP API stays off unless a secret is in the environment (README "Reliability and security").
api=()
if [[ -n "${RASA_API_TOKEN:-}" ]]; then api=(--enable-api --auth-token "$RASA_API_TOKEN"); fi
if [[ -n "${RASA_JWT_SECRET:-}" ]]; then api=(--enable-api --jwt-secret "$RASA_JWT_SECRET"); fi
mkdir -p "$(dirname "$TRACKER_DB")"
# No --cors: the socket.io channel admits the widget's origin itself (WIDGET_PORT or
# ISK_CORS_ORIGINS); Rasa's --cors would add a second Allow-Origin header and browsers refuse that.
# Loopback by default (Rasa's own default is every interface): RASA_BIND=0.0.0.0 exposes it,
# but in public put the reverse proxy of README "Reverse proxy" in front instead.
"$venv/bin/rasa" run --model "$model" --interface "${RASA_BIND:-127.0.0.1}" --port "$RASA_PORT" \
  --credentials credentials.yml --endpoints endpoints.yml "${api[@]}" &
pids+=($!)
if [[ -f widget/serve.py ]]; then
  "$venv/bin/python" widget/serve.py --port "$WIDGET_PORT" &
  pids+=($!)
fi
"$venv/bin/python" scripts/wait_ready.py "http://localhost:$ACTION_PORT/health" "http://localhost:$RASA_PORT/" --timeout 180
echo "==> ready: REST http://localhost:$RASA_PORT/webhooks/rest/webhook  widget http://localhost:$WIDGET_PORT  (Ctrl-C stops)"
wait -n "${pids[@]}"
