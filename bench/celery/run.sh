#!/usr/bin/env bash
# CraftFlow's job queue against Celery on Redis, same no-op workload, same machine, same run.
# For each consumer count (1, 2, 8) the two run back to back, so both see the same load:
#   Celery: bench.py on its own redis-server (AOF on, fsync every second: Redis's usual durable setting),
#           one `celery worker --pool prefork --concurrency N`;
#   CraftFlow: bench/CraftFlow.QueueBench --consumers N (its own PostgreSQL, fsync on).
# Both enqueue the same number of jobs with no consumer running, then time from the first job run to the last one
# done (Celery: a Redis counter the task INCRs; CraftFlow: every row `completed`), polled every 5 ms.
# Usage: bench/celery/run.sh [tasks]       (POOL=threads for Celery's thread pool; CONSUMERS="1 2 8")
set -euo pipefail
cd "$(dirname "$0")/../.."
TASKS=${1:-10000}
POOL=${POOL:-prefork}
CONSUMERS=${CONSUMERS:-1 2 8}
PHASE_DEADLINE=${PHASE_DEADLINE:-120}   # seconds per enqueue / run phase
PY=/usr/bin/python3                       # Debian's python3-celery and python3-redis live here

if ! "$PY" -c 'import celery, redis' 2>/dev/null || ! command -v redis-server >/dev/null; then
  echo "== installing python3-celery, python3-redis, redis-server"
  apt-get install -y python3-celery python3-redis redis-server >/dev/null ||
    { apt-get update >/dev/null && apt-get install -y python3-celery python3-redis redis-server >/dev/null; }
fi

work=$(mktemp -d /tmp/craftflow-celery-XXXX)
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
load() { cut -d' ' -f1 /proc/loadavg; }
cleanup() {
  [ -n "${step_pid:-}" ] && kill "$step_pid" 2>/dev/null && wait "$step_pid" 2>/dev/null || true
  [ -n "${redis_pid:-}" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Runs one step in the background (so TERM from the trap reaches it), bounded by timeout, output teed to a file.
step() {
  local out=$1 limit=$2; shift 2
  timeout --kill-after=10 "$limit" "$@" > >(tee -a "$out") &
  step_pid=$!
  wait "$step_pid"
  step_pid=
}

echo "== building CraftFlow.QueueBench"
dotnet build -c Release bench/CraftFlow.QueueBench -v quiet -nologo >/dev/null
queuebench=(dotnet run -c Release --no-build --project bench/CraftFlow.QueueBench --)

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly yes --appendfsync everysec \
  --dir "$work" >/dev/null 2>&1 &
redis_pid=$!
for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
broker="redis://127.0.0.1:$redis_port/0"

echo "== celery $("$PY" -c 'import celery; print(celery.__version__)') ($POOL pool), redis $(redis-server --version | grep -o 'v=[0-9.]*'), $TASKS tasks, load average $(load) at the start"
for n in $CONSUMERS; do
  echo "== $n consumers: Celery"
  step "$work/celery.jsonl" $(( PHASE_DEADLINE * 3 )) \
    "$PY" bench/celery/bench.py --broker "$broker" --tasks "$TASKS" --pool "$POOL" --consumers "$n" --deadline "$PHASE_DEADLINE" \
    --redis-pid "$redis_pid"
  echo "== $n consumers: CraftFlow"
  step "$work/craftflow.txt" $(( PHASE_DEADLINE * 3 )) "${queuebench[@]}" --jobs "$TASKS" --consumers "$n" --no-single-enqueue
  echo "$n $(load)" >> "$work/load.txt"
done

echo "== enqueue one at a time (CraftFlow) and group() of 1000 (Celery)"
step "$work/celery.jsonl" $(( PHASE_DEADLINE * 2 )) "$PY" bench/celery/bench.py --broker "$broker" --tasks "$TASKS" --group
step "$work/craftflow.txt" $(( PHASE_DEADLINE * 2 )) "${queuebench[@]}" --consumers ""
kill "$redis_pid" && wait "$redis_pid" 2>/dev/null || true
redis_pid=

echo
echo "== load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
"$PY" - "$work/celery.jsonl" "$work/craftflow.txt" "$work/load.txt" "$POOL" <<'PY'
import json, re, sys
celery = [json.loads(line) for line in open(sys.argv[1]) if line.strip().startswith("{")]
runs = {c["consumers"]: c for c in celery if "consumers" in c}
group_celery = next(c["group_enqueue"] for c in celery if "group_enqueue" in c)
loads = dict(line.split() for line in open(sys.argv[3]))
craft = {}
single_craft = None
for line in open(sys.argv[2]):
    m = re.match(r"\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*([^|]+?)\s*\|", line)
    if m and m[1] in loads:
        craft[int(m[1])] = (int(m[2]), int(m[3]), m[4])
    m = re.search(r"single-job enqueue.*: (\d+) jobs/s", line)
    if m:
        single_craft = int(m[1])
print(f"| consumers (Celery {sys.argv[4]} processes) | enqueue, CraftFlow (batches of 1000) / Celery (apply_async each), jobs/s | ratio "
      "| first run -> all done, CraftFlow / Celery, jobs/s | ratio "
      "| CPU ms per 1000 jobs run, CraftFlow (bench + PostgreSQL) / Celery (worker + redis) | ratio | load average after |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|")
for n in sorted(runs):
    ce, cr, ccpu = runs[n]["enqueue"], runs[n]["run"], runs[n]["cpu_ms_per_1000"]
    fe, fr, cpu = craft.get(n, (0, 0, "0 / 0"))
    fcpu = sum(int(x) for x in cpu.split("/") if x.strip().isdigit())
    print(f"| {n} | {fe:,} / {ce:,} | {fe / ce:.1f} | {fr:,} / {cr:,} | {fr / cr:.1f} "
          f"| {fcpu:,} ({cpu}) / {ccpu:,} | {ccpu / max(fcpu, 1):.1f} | {loads.get(str(n), '?')} |")
print()
print(f"enqueue one at a time: CraftFlow (INSERT + NOTIFY per commit) {single_craft:,} jobs/s; "
      f"Celery group() of 1000: {group_celery:,} tasks/s")
PY
