#!/usr/bin/env bash
# Upload to processed: one multipart request with 50 distinct 1024x1024 JPEGs, timed until
# GET /api/uploads/{batch} says "completed". Starts its own PostgreSQL, redis-server (REDIS=0 skips it),
# the API and the Worker on loopback ports, and stops all of them on exit.
# Usage: WORKER_CONCURRENCY=1|2 bench/upload/run.sh [count]
set -euo pipefail
cd "$(dirname "$0")/../.."
COUNT=${1:-50}
WORKER_CONCURRENCY=${WORKER_CONCURRENCY:-2}
REDIS=${REDIS:-1}
DEADLINE_SECONDS=${DEADLINE_SECONDS:-300}
PY_PIL=/usr/bin/python3   # Debian's python3 has Pillow; the python3 first on PATH may not

work=$(mktemp -d /tmp/craftflow-upload-XXXX)
chmod 755 "$work"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

pg_port=$(free_port)
api_port=$(free_port)
worker_port=$(free_port)
mkdir -p "$work/pg" && { [ "$(id -u)" != 0 ] || chown postgres: "$work/pg"; }
cleanup() {
  # Stop the services first (they hold database connections), wait for them, then PostgreSQL.
  for pid in ${worker_pid:-} ${api_pid:-} ${redis_pid:-}; do kill "$pid" 2>/dev/null || true; done
  for pid in ${worker_pid:-} ${api_pid:-} ${redis_pid:-}; do wait "$pid" 2>/dev/null || true; done
  as_pg "$pgbin/pg_ctl" -D "$work/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== $COUNT images of 1024x1024 JPEG (quality 90)"
"$PY_PIL" bench/upload/make_images.py "$work/images" "$COUNT"
du -sh "$work/images" | awk '{print "   " $1 " in total"}'

echo "== building (Release)"
for project in CraftFlow.Api CraftFlow.Worker CraftFlow.MigrationService; do
  dotnet build "$project" -c Release -v q -nologo >/dev/null
done

echo "== postgres on 127.0.0.1:$pg_port"
as_pg "$pgbin/initdb" -D "$work/pg" -U postgres --auth=trust --no-sync >/dev/null
as_pg "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg/log" -o "-p $pg_port -h 127.0.0.1 -k $work/pg -c shared_buffers=256MB" -w start >/dev/null
conn="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=craftflowdb"
ConnectionStrings__craftflowdb="$conn" dotnet CraftFlow.MigrationService/bin/Release/net10.0/CraftFlow.MigrationService.dll >/dev/null

services_env=(ConnectionStrings__craftflowdb="$conn" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning
  STORAGE_PATH="$work/blobs")
if [ "$REDIS" = 1 ]; then
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >/dev/null 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  services_env+=(ConnectionStrings__cache="127.0.0.1:$redis_port")
fi

echo "== api on :$api_port, worker on :$worker_port (WORKER_CONCURRENCY=$WORKER_CONCURRENCY, redis: $REDIS)"
env "${services_env[@]}" ASPNETCORE_URLS="http://127.0.0.1:$api_port" \
  dotnet CraftFlow.Api/bin/Release/net10.0/CraftFlow.Api.dll > "$work/api.log" 2>&1 &
api_pid=$!
# env execs dotnet, so $! is the Worker's own pid: its /proc status gives the peak RSS (VmHWM).
env "${services_env[@]}" ASPNETCORE_URLS="http://127.0.0.1:$worker_port" WORKER_CONCURRENCY="$WORKER_CONCURRENCY" \
  dotnet CraftFlow.Worker/bin/Release/net10.0/CraftFlow.Worker.dll > "$work/worker.log" 2>&1 &
worker_pid=$!
for port in "$api_port" "$worker_port"; do
  for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$port/alive" >/dev/null && break; sleep 0.2; done
  curl -sf "http://127.0.0.1:$port/alive" >/dev/null || { echo "service on :$port did not start"; tail -n 40 "$work"/*.log; exit 1; }
done

api="http://127.0.0.1:$api_port"
token=$(curl -sf -X POST "$api/api/auth/register" -H 'Content-Type: application/json' \
  -d "{\"email\":\"bench-$$@example.com\",\"password\":\"bench-password-123\"}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"]["token"])')
rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$worker_pid/status")

parts=()
for file in "$work"/images/*.jpg; do parts+=(-F "files=@$file;type=image/jpeg"); done

echo "== upload: one request, $COUNT files; then poll GET /api/uploads/{batch} every 100 ms"
start=$(now)
response=$(curl -sf -X POST "$api/api/designs" -H "Authorization: Bearer $token" "${parts[@]}")
uploaded=$(now)
batch=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["batch_id"])' "$response")

status=processing
while :; do
  body=$(curl -sf -H "Authorization: Bearer $token" "$api/api/uploads/$batch")
  status=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["status"])' "$body")
  [ "$status" = completed ] && break
  if [ "$(secs "$start" "$(now)" | cut -d. -f1)" -ge "$DEADLINE_SECONDS" ]; then
    echo "deadline: not completed after ${DEADLINE_SECONDS}s: $body"; tail -n 40 "$work/worker.log"; exit 1
  fi
  sleep 0.1
done
done_at=$(now)

total=$(secs "$start" "$done_at")
rss_peak=$(awk '/VmHWM/ {print $2}' "/proc/$worker_pid/status")
echo "   batch: $body"
echo "== WORKER_CONCURRENCY=$WORKER_CONCURRENCY, $COUNT designs"
echo "   upload (request until 202):   $(secs "$start" "$uploaded") s"
echo "   processing (202 to completed): $(secs "$uploaded" "$done_at") s"
echo "   total:                         $total s"
echo "   designs/s:                     $(awk -v n="$COUNT" -v t="$total" 'BEGIN { printf "%.1f", n / t }')"
echo "   worker RSS: $((rss_before / 1024)) MB idle before the upload, peak (VmHWM) $((rss_peak / 1024)) MB"
echo "   load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
