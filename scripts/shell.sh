#!/usr/bin/env bash
# `rasa shell` against the running action server; starts one for the session if none answers.
set -euo pipefail
venv=$1
model=$2
cd "$(dirname "$0")/.."
[[ -f "$model" ]] || { echo "No model at $model: run 'make train' (or 'make run') first." >&2; exit 1; }
if ! "$venv/bin/python" scripts/wait_ready.py "http://localhost:$ACTION_PORT/health" --timeout 0 >/dev/null 2>&1; then
  echo "==> no action server on port $ACTION_PORT: starting one for this shell"
  "$venv/bin/python" scripts/action_server.py --port "$ACTION_PORT" --host "${ACTION_BIND:-127.0.0.1}" >/dev/null 2>&1 &
  actions_pid=$!
  trap 'kill $actions_pid 2>/dev/null || true' EXIT
  "$venv/bin/python" scripts/wait_ready.py "http://localhost:$ACTION_PORT/health" --timeout 60
fi
# A port of its own (SHELL_PORT, default 5099), so the shell works beside `make run` (5005) and `make cluster` (5005, 5006, ...).
"$venv/bin/rasa" shell --model "$model" --endpoints endpoints.yml --port "${SHELL_PORT:-5099}" --interface "${RASA_BIND:-127.0.0.1}"
