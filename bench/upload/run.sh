#!/usr/bin/env bash
# Upload to processed: multipart requests of up to 50 designs each, timed from the first byte until every
# GET /api/uploads/{batch} says "completed", with the Worker's peak RSS; then the peer, imagehash's four hashes
# on Pillow (bench/peer/imagehash_peer.py), over the same files in one process on one core.
# Starts its own PostgreSQL, redis-server (REDIS=0 skips it), the API and the Worker on loopback ports, and
# stops all of them on exit.
# Usage: [IMAGES=jpeg|print|clipart] [WORKER_CONCURRENCY=2] [PEER_COUNT=n] bench/upload/run.sh [count]
#   jpeg:    photo-like 1024x1024 JPEGs (bench/upload/make_images.py), default 50
#   print:   4500x5400 transparent PNGs made from openclipart artwork (bench/print/make_print_files.py), default 50
#   clipart: openclipart's own small PNGs, as they come, default 500
#   PEER_COUNT: hash only the first n files with the peer (it needs seconds per print file); 0 skips it.
set -euo pipefail
cd "$(dirname "$0")/../.."
IMAGES=${IMAGES:-jpeg}
case "$IMAGES" in
  jpeg|print) COUNT=${1:-50} ;;
  clipart) COUNT=${1:-500} ;;
  *) echo "IMAGES must be jpeg, print or clipart"; exit 2 ;;
esac
PER_REQUEST=50   # Uploads__MaxFilesPerUpload
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

if [ "$IMAGES" != jpeg ] && [ ! -d /usr/share/openclipart/png ]; then
  echo "openclipart-png is missing: apt-get install -y openclipart-png"; exit 1
fi
case "$IMAGES" in
  jpeg)
    echo "== $COUNT images of 1024x1024 JPEG (quality 90)"
    "$PY_PIL" bench/upload/make_images.py "$work/images" "$COUNT" ;;
  print)
    echo "== $COUNT print files, 4500x5400 RGBA PNG, from openclipart artwork"
    "$PY_PIL" bench/print/make_print_files.py "$work/images" "$COUNT" ;;
  clipart)
    echo "== $COUNT openclipart PNGs as they come (every k-th file of the collection)"
    mkdir -p "$work/images"
    total=$(find /usr/share/openclipart/png -name '*.png' | wc -l)
    find /usr/share/openclipart/png -name '*.png' | sort | awk -v k=$((total / COUNT)) 'NR % k == 0' | head -n "$COUNT" |
      nl -w4 -nrz | while read -r n f; do cp "$f" "$work/images/clip-$n.png"; done ;;
esac
files=("$work"/images/*)
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
cpu_seconds() { awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$1/stat"; }   # utime + stime, clock ticks of 1/100 s
worker_cpu_before=$(cpu_seconds "$worker_pid")
api_cpu_before=$(cpu_seconds "$api_pid")

echo "== upload: $(( (COUNT + PER_REQUEST - 1) / PER_REQUEST )) request(s) of up to $PER_REQUEST files, one after another; then poll GET /api/uploads/{batch} every 100 ms"
load_start=$(cut -d' ' -f1 /proc/loadavg)
batches=()
start=$(now)
for ((i = 0; i < COUNT; i += PER_REQUEST)); do
  parts=()
  for file in "${files[@]:i:PER_REQUEST}"; do parts+=(-F "files=@$file"); done
  response=$(curl -sf -X POST "$api/api/designs" -H "Authorization: Bearer $token" "${parts[@]}")
  batches+=("$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["batch_id"])' "$response")")
done
uploaded=$(now)

for batch in "${batches[@]}"; do
  while :; do
    body=$(curl -sf -H "Authorization: Bearer $token" "$api/api/uploads/$batch")
    status=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["status"])' "$body")
    [ "$status" = completed ] && break
    if [ "$(secs "$start" "$(now)" | cut -d. -f1)" -ge "$DEADLINE_SECONDS" ]; then
      echo "deadline: not completed after ${DEADLINE_SECONDS}s: $body"; tail -n 40 "$work/worker.log"; exit 1
    fi
    sleep 0.1
  done
done
done_at=$(now)

total=$(secs "$start" "$done_at")
rss_peak=$(awk '/VmHWM/ {print $2}' "/proc/$worker_pid/status")
worker_cpu=$(awk -v a="$worker_cpu_before" -v b="$(cpu_seconds "$worker_pid")" 'BEGIN { printf "%.2f", b - a }')
api_cpu=$(awk -v a="$api_cpu_before" -v b="$(cpu_seconds "$api_pid")" 'BEGIN { printf "%.2f", b - a }')
echo "   last batch: $body"
echo "== CraftFlow: IMAGES=$IMAGES, WORKER_CONCURRENCY=$WORKER_CONCURRENCY, $COUNT designs"
echo "   upload (first byte until the last 202): $(secs "$start" "$uploaded") s"
echo "   processing (last 202 to completed):     $(secs "$uploaded" "$done_at") s"
echo "   total:                                  $total s"
echo "   designs/s:                              $(awk -v n="$COUNT" -v t="$total" 'BEGIN { printf "%.1f", n / t }')"
echo "   CPU seconds: Worker $worker_cpu ($(awk -v c="$worker_cpu" -v n="$COUNT" 'BEGIN { printf "%.1f", c * 1000 / n }') ms per design), API $api_cpu"
echo "   worker RSS: $((rss_before / 1024)) MB idle before the upload, peak (VmHWM) $((rss_peak / 1024)) MB"
echo "   load average (1 min): $load_start at the start, $(cut -d' ' -f1 /proc/loadavg) at the end, on $(nproc) cores"

PEER_COUNT=${PEER_COUNT:-$COUNT}
if [ "$PEER_COUNT" -gt 0 ]; then
  echo "== peer: imagehash 4.3.2's four hashes on Pillow (bench/peer/imagehash_peer.py), one process pinned to one core, $PEER_COUNT of the same files"
  read -r n seconds rate < <(taskset -c "$(( $(nproc) - 1 ))" "$PY_PIL" bench/peer/imagehash_peer.py "${files[@]:0:PEER_COUNT}")
  echo "   $n files in $seconds s: $rate images/s; all $COUNT at that rate: $(awk -v n="$COUNT" -v r="$rate" 'BEGIN { printf "%.1f", n / r }') s"
  echo "   CraftFlow end to end vs peer hashing alone (all $COUNT): $(awk -v n="$COUNT" -v r="$rate" -v t="$total" 'BEGIN { printf "%.1f", (n / r) / t }')x"
  echo "   load average (1 min) after the peer: $(cut -d' ' -f1 /proc/loadavg)"
fi
