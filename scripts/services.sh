#!/usr/bin/env bash
# Make sure the PostgreSQL and Redis that the cluster profile and tests/cluster use answer;
# start the machine's own ones when they do not (CI on a fresh machine). Safe to run twice.
# Settings: PG_HOST PG_PORT (127.0.0.1:5432), REDIS_HOST REDIS_PORT (127.0.0.1:6379).
set -euo pipefail
pg_host=${PG_HOST:-127.0.0.1}
pg_port=${PG_PORT:-5432}
redis_host=${REDIS_HOST:-127.0.0.1}
redis_port=${REDIS_PORT:-6379}

# Poll a check until it passes or the deadline is reached: readiness is observed, not slept on.
wait_for() { # NAME SECONDS CMD...
  local name=$1 deadline=$(( $(date +%s) + $2 )); shift 2
  until "$@" >/dev/null 2>&1; do
    if (( $(date +%s) >= deadline )); then echo "$name did not come up; see its log" >&2; return 1; fi
    sleep 0.2
  done
}

pg_up() { pg_isready -q -h "$pg_host" -p "$pg_port"; }
redis_up() { [[ "$(redis-cli -h "$redis_host" -p "$redis_port" ping 2>/dev/null)" == PONG ]]; }

for tool in pg_isready redis-cli; do
  if ! command -v "$tool" >/dev/null; then
    echo "$tool not found: install PostgreSQL and Redis (apt-get install postgresql redis-server)" >&2; exit 1
  fi
done

if ! pg_up; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)
  if [[ -z "$version" ]]; then
    echo "PostgreSQL is not answering at $pg_host:$pg_port and /etc/postgresql holds no local cluster" >&2; exit 1
  fi
  echo "==> starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  wait_for PostgreSQL 30 pg_up
fi

if ! redis_up; then
  echo "==> starting Redis on $redis_host:$redis_port"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$redis_port" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for Redis 30 redis_up
fi
echo "==> PostgreSQL $pg_host:$pg_port and Redis $redis_host:$redis_port are up"
