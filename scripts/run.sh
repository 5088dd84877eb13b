#!/usr/bin/env bash
# Start the action server, the Rasa server (REST + socket.io) and the widget page together.
# Ctrl-C (or any of them dying) stops all three. Usage: run.sh VENV MODEL
set -euo pipefail
venv=$1
model=$2
cd "$(dirname "$0")/.."
pids=()
stop() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop INT TERM EXIT

"$venv/bin/rasa" run actions --actions actions --port "$ACTION_PORT" --cors "http://localhost:$WIDGET_PORT" &
pids+=($!)
"$venv/bin/rasa" run --model "$model" --port "$RASA_PORT" --credentials credentials.yml \
  --endpoints endpoints.yml --cors "http://localhost:$WIDGET_PORT" &
pids+=($!)
if [[ -f widget/serve.py ]]; then
  "$venv/bin/python" widget/serve.py --port "$WIDGET_PORT" &
  pids+=($!)
fi
"$venv/bin/python" scripts/wait_ready.py "http://localhost:$ACTION_PORT/health" "http://localhost:$RASA_PORT/" --timeout 180
echo "==> ready: REST http://localhost:$RASA_PORT/webhooks/rest/webhook  widget http://localhost:$WIDGET_PORT  (Ctrl-C stops)"
wait -n "${pids[@]}"
