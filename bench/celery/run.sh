#!/usr/bin/env bash
# CraftFlow's job queue against Celery on Redis, same no-op workload, same machine, same run.
# Celery: its own redis-server on a free loopback port (AOF on, fsync every second: Redis's usual
# durable setting; CraftFlow's PostgreSQL fsyncs every commit), bench.py with 1, 2 and 8 processes.
# CraftFlow: bench/CraftFlow.QueueBench (its own PostgreSQL, fsync on) with 1, 2 and 8 consumers.
# Usage: bench/celery/run.sh [tasks]       (POOL=threads for Celery's thread pool)
set -euo pipefail
cd "$(dirname "$0")/../.."
TASKS=${1:-10000}
POOL=${POOL:-prefork}
PHASE_DEADLINE=${PHASE_DEADLINE:-120}   # seconds per enqueue / run phase
PY=/usr/bin/python3                       # Debian's python3-celery and python3-redis live here

if ! "$PY" -c 'import celery, redis' 2>/dev/null || ! command -v redis-server >/dev/null; then
  echo "== installing python3-celery, python3-redis, redis-server"
  apt-get install -y python3-celery python3-redis redis-server >/dev/null ||
    { apt-get update >/dev/null && apt-get install -y python3-celery python3-redis redis-server >/dev/null; }
fi

work=$(mktemp -d /tmp/craftflow-celery-XXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
cleanup() {
  [ -n "${bench_pid:-}" ] && kill "$bench_pid" 2>/dev/null && wait "$bench_pid" 2>/dev/null || true
  [ -n "${redis_pid:-}" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly yes --appendfsync everysec \
  --dir "$work" >/dev/null 2>&1 &
redis_pid=$!
for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

echo "== celery $("$PY" -c 'import celery; print(celery.__version__)') ($POOL pool), redis $(redis-server --version | grep -o 'v=[0-9.]*'), $TASKS tasks"
# bench.py enforces the per-phase deadline itself; timeout is the backstop for the whole Celery part.
timeout --kill-after=10 $(( PHASE_DEADLINE * 7 )) "$PY" bench/celery/bench.py --broker "redis://127.0.0.1:$redis_port/0" \
  --tasks "$TASKS" --pool "$POOL" --deadline "$PHASE_DEADLINE" | tee "$work/celery.jsonl" &
bench_pid=$!
wait "$bench_pid"
bench_pid=
kill "$redis_pid" && wait "$redis_pid" 2>/dev/null || true
redis_pid=

echo "== CraftFlow QueueBench, $TASKS jobs"
timeout --kill-after=10 $(( PHASE_DEADLINE * 10 )) \
  dotnet run -c Release --project bench/CraftFlow.QueueBench -- --jobs "$TASKS" | tee "$work/craftflow.txt"

echo
echo "== load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
"$PY" - "$work/celery.jsonl" "$work/craftflow.txt" <<'PY'
import json, re, sys
celery = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
runs = {c["consumers"]: c for c in celery if "consumers" in c}
group_celery = next(c["group_enqueue"] for c in celery if "group_enqueue" in c)
craft = {}
single_craft = None
for line in open(sys.argv[2]):
    m = re.match(r"\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|", line)
    if m:
        craft[int(m[1])] = (int(m[2]), int(m[3]))
    m = re.search(r"single-job enqueue.*: (\d+) jobs/s", line)
    if m:
        single_craft = int(m[1])
print("| consumers | enqueue CraftFlow (batches of 1000) / Celery (apply_async each) jobs/s | ratio | enqueued -> completed CraftFlow / Celery (jobs/s) | ratio |")
print("|---:|---:|---:|---:|---:|")
for n in sorted(runs):
    ce, cr = runs[n]["enqueue"], runs[n]["run"]
    fe, fr = craft.get(n, (0, 0))
    print(f"| {n} | {fe:,} / {ce:,} | {fe / ce:.1f} | {fr:,} / {cr:,} | {fr / cr:.1f} |")
print()
print(f"enqueue one at a time: CraftFlow (INSERT + NOTIFY per commit) {single_craft:,} jobs/s; "
      f"Celery group() of 1000: {group_celery:,} tasks/s")
PY
