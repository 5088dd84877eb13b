#!/usr/bin/env bash
# `make cluster`: REPLICAS Rasa servers (ports RASA_PORT, RASA_PORT+1, ...) and ACTION_SERVERS
# action servers (ACTION_PORT, ...) on this machine, sharing conversations through PostgreSQL
# and locks through Redis: the production profile of README "Scaling out and deployment".
# Any replica answers any message of any conversation. Ctrl-C (or any process dying) stops all.
# Usage: cluster.sh VENV MODEL
set -euo pipefail
venv=$1
model=$2
cd "$(dirname "$0")/.."
replicas=${REPLICAS:-2}
export RASA_PORT=${RASA_PORT:-5005} ACTION_PORT=${ACTION_PORT:-5055} ACTION_HOST=${ACTION_HOST:-localhost}
action_servers=${ACTION_SERVERS:-1}
[[ "$replicas" =~ ^[1-9][0-9]*$ && "$action_servers" =~ ^[1-9][0-9]*$ ]] \
  || { echo "REPLICAS and ACTION_SERVERS must be positive whole numbers" >&2; exit 1; }
[[ -f "$model" ]] || { echo "No model at $model: run 'make train' first." >&2; exit 1; }

# Replicas cannot share in-memory locks or an SQLite file: when the environment still holds
# the single-process defaults, switch to the local PostgreSQL and Redis. Explicit settings win.
if [[ "${LOCK_STORE_TYPE:-in_memory}" == in_memory || "$LOCK_STORE_TYPE" == stores.memory_lock_store.ShortWaitInMemoryLockStore ]]; then
  export LOCK_STORE_TYPE=stores.lock_store.AtomicRedisLockStore
  export LOCK_STORE_URL=${LOCK_STORE_URL:-redis://127.0.0.1:6379/1}
fi
# Rate limits (channels/limits.py) must count across replicas: keep their windows in Redis too.
export ISK_RATE_LIMIT_STORAGE=${ISK_RATE_LIMIT_STORAGE:-redis://127.0.0.1:6379/2}
if [[ "${TRACKER_DIALECT:-sqlite}" == sqlite ]]; then
  export TRACKER_DIALECT=postgresql TRACKER_HOST=127.0.0.1:5432 TRACKER_DB=isk TRACKER_USER=postgres TRACKER_PASSWORD=
fi
# A replica killed mid-message holds its conversation this long. It must cover a turn's wait in
# the queue plus its own run, which ISK_ACTION_TIMEOUT (5 s) bounds: 15 s covers one slow turn ahead.
export TICKET_LOCK_LIFETIME=${TICKET_LOCK_LIFETIME:-15}

if [[ "$TRACKER_HOST" =~ ^(127\.0\.0\.1|localhost)(:|$) && "$LOCK_STORE_URL" =~ ://(127\.0\.0\.1|localhost)[:/] ]]; then
  scripts/services.sh
fi
# Rasa creates the tables but not the database itself.
"$venv/bin/python" - <<'PY'
import os, psycopg2
host, _, port = os.environ["TRACKER_HOST"].partition(":")
name = os.environ["TRACKER_DB"]
connection = psycopg2.connect(host=host, port=port or 5432, dbname="postgres",
                              user=os.environ["TRACKER_USER"], password=os.environ["TRACKER_PASSWORD"])
connection.autocommit = True
with connection.cursor() as cursor:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
    if cursor.fetchone() is None:
        cursor.execute(f'CREATE DATABASE "{name}"')
        print(f"==> created PostgreSQL database {name}")
PY

port_busy() { # PORT: true when something listens there
  "$venv/bin/python" -c "import socket, sys; sys.exit(socket.socket().connect_ex(('127.0.0.1', $1)) != 0)"
}
for (( i = 0; i < replicas; i++ )); do ports+=($(( RASA_PORT + i ))); done
for (( i = 0; i < action_servers; i++ )); do ports+=($(( ACTION_PORT + i ))); done
for port in "${ports[@]}"; do
  if port_busy "$port"; then echo "port $port is taken (make run? another cluster?): set RASA_PORT/ACTION_PORT" >&2; exit 1; fi
done

pids=()
stop() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop INT TERM EXIT
mkdir -p reports/logs
# Retention (README "Retention and privacy"): delete conversations idle for ISK_RETENTION_DAYS
# (30) now, then every ISK_PRUNE_EVERY seconds (a day) while the cluster runs.
"$venv/bin/python" scripts/prune.py
"$venv/bin/python" scripts/prune.py --every "${ISK_PRUNE_EVERY:-86400}" >>reports/logs/cluster-prune.log 2>&1 &
pids+=($!)
urls=()
for (( i = 0; i < action_servers; i++ )); do
  port=$(( ACTION_PORT + i ))
  # The hardened launcher make run uses (loopback unless ACTION_BIND says otherwise).
  "$venv/bin/python" scripts/action_server.py --port "$port" --host "${ACTION_BIND:-127.0.0.1}" \
    >"reports/logs/cluster-actions-$i.log" 2>&1 &
  pids+=($!)
  urls+=("http://localhost:$port/health")
done
for (( i = 0; i < replicas; i++ )); do
  port=$(( RASA_PORT + i ))
  # Replica i calls action server i mod ACTION_SERVERS: spread without a balancer in between.
  ACTION_PORT=$(( ACTION_PORT + i % action_servers )) "$venv/bin/rasa" run --model "$model" --port "$port" --interface "${RASA_BIND:-127.0.0.1}" \
    --credentials credentials.yml --endpoints endpoints.yml >"reports/logs/cluster-rasa-$i.log" 2>&1 &
  pids+=($!)
  urls+=("http://localhost:$port/")
done
echo "==> starting $replicas replicas and $action_servers action server(s); logs in reports/logs/cluster-*.log"
"$venv/bin/python" scripts/wait_ready.py "${urls[@]}" --timeout 300
echo "==> ready: tracker $TRACKER_DIALECT://$TRACKER_HOST/$TRACKER_DB, locks ${LOCK_STORE_URL/\/\/*@/\/\/***@}"
for (( i = 0; i < replicas; i++ )); do
  echo "    replica $i: http://localhost:$(( RASA_PORT + i ))/webhooks/rest/webhook"
done
echo "    (send one conversation's messages to different replicas; Ctrl-C stops everything)"
wait -n "${pids[@]}"
