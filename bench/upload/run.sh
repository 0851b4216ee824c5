#!/usr/bin/env bash
# Upload to processed: multipart requests of up to 50 designs each, timed from the first byte until every
# GET /api/uploads/{batch} says "completed", with the Worker's peak RSS; then the peer, imagehash's four hashes
# on Pillow (bench/peer/imagehash_peer.py), over the same files in one process on one core.
# Starts its own PostgreSQL, redis-server (REDIS=0 skips it), the API and the Worker on loopback ports, and
# stops all of them on exit.
# Usage: [IMAGES=jpeg|print|clipart] [WORKER_CONCURRENCY=2] [PEER_COUNT=n] [WARMUP=n] bench/upload/run.sh [count]
#   jpeg:    photo-like 1024x1024 JPEGs (bench/upload/make_images.py), default 50
#   print:   4500x5400 transparent PNGs made from openclipart artwork (bench/print/make_print_files.py), default 50
#   clipart: openclipart's own small PNGs, as they come, default 500
#   PEER_COUNT: hash only the first n files with the peer (it needs seconds per print file); 0 skips it.
#   WARMUP: upload n other designs of the same kind first and wait for them, so the measured batch meets services
#     that have jitted their code (a long-running deployment) instead of fresh processes; 0 (the default) measures cold.
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
WARMUP=${WARMUP:-0}
DEADLINE_SECONDS=${DEADLINE_SECONDS:-300}
PY_PIL=/usr/bin/python3   # Debian's python3 has Pillow; the python3 first on PATH may not

# shellcheck source=../lib/services.sh
. bench/lib/services.sh
services_init craftflow-upload
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

if [ "$IMAGES" != jpeg ] && [ ! -d /usr/share/openclipart/png ]; then
  echo "openclipart-png is missing: apt-get install -y openclipart-png"; exit 1
fi
case "$IMAGES" in
  jpeg)
    echo "== $COUNT images of 1024x1024 JPEG (quality 90)"
    "$PY_PIL" bench/upload/make_images.py "$work/images" "$((COUNT + WARMUP))" ;;
  print)
    echo "== $COUNT print files, 4500x5400 RGBA PNG, from openclipart artwork"
    "$PY_PIL" bench/print/make_print_files.py "$work/images" "$((COUNT + WARMUP))" ;;
  clipart)
    echo "== $COUNT openclipart PNGs as they come (every k-th file of the collection)"
    mkdir -p "$work/images"
    total=$(find /usr/share/openclipart/png -name '*.png' | wc -l)
    # awk stops at the count itself: a head closing the pipe early would fail the pipeline (pipefail) at random.
    find /usr/share/openclipart/png -name '*.png' | sort |
      awk -v k=$((total / (COUNT + WARMUP))) -v n=$((COUNT + WARMUP)) 'NR % k == 0 && taken < n { print; taken++ }' |
      nl -w4 -nrz | while read -r n f; do cp "$f" "$work/images/clip-$n.png"; done ;;
esac
files=("$work"/images/*)
warmup_files=("${files[@]:0:WARMUP}")
files=("${files[@]:WARMUP}")
du -sh "$work/images" | awk '{print "   " $1 " in total"}'

# Uploads files in requests of up to PER_REQUEST and appends each batch id to the array `batches`.
upload_all() {
  local i file parts response
  local -a list=("$@")
  for ((i = 0; i < ${#list[@]}; i += PER_REQUEST)); do
    parts=()
    for file in "${list[@]:i:PER_REQUEST}"; do parts+=(-F "files=@$file"); done
    response=$(curl -sf -X POST "$api/api/designs" -H "Authorization: Bearer $token" "${parts[@]}")
    batches+=("$(sed -nE 's/.*"batch_id":"([^"]+)".*/\1/p' <<<"$response")")
  done
}

# Polls every batch in `batches` every 100 ms until it says completed (sed, not a Python per poll: the harness must
# not take CPU from the services it measures on two cores).
await_batches() {
  local batch status
  for batch in "${batches[@]}"; do
    while :; do
      body=$(curl -sf -H "Authorization: Bearer $token" "$api/api/uploads/$batch")
      status=$(sed -nE 's/.*"status":"([a-z_]+)".*/\1/p' <<<"$body")
      [ "$status" = completed ] && break
      if [ "$(secs "$1" "$(now)" | cut -d. -f1)" -ge "$DEADLINE_SECONDS" ]; then
        echo "deadline: not completed after ${DEADLINE_SECONDS}s: $body"; tail -n 40 "$work/worker.log"; exit 1
      fi
      sleep 0.1
    done
  done
}

services_build
services_start
token=$(services_register_user)
cpu_seconds() { awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$1/stat"; }   # utime + stime, clock ticks of 1/100 s

if [ "$WARMUP" -gt 0 ]; then
  echo "== warm-up: $WARMUP other designs uploaded and processed first (not measured)"
  batches=()
  upload_all "${warmup_files[@]}"
  await_batches "$(now)"
fi

rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$worker_pid/status")
worker_cpu_before=$(cpu_seconds "$worker_pid")
api_cpu_before=$(cpu_seconds "$api_pid")
echo "== upload: $(( (COUNT + PER_REQUEST - 1) / PER_REQUEST )) request(s) of up to $PER_REQUEST files, one after another; then poll GET /api/uploads/{batch} every 100 ms"
load_start=$(cut -d' ' -f1 /proc/loadavg)
batches=()
start=$(now)
upload_all "${files[@]}"
uploaded=$(now)
await_batches "$start"
done_at=$(now)

total=$(secs "$start" "$done_at")
rss_peak=$(awk '/VmHWM/ {print $2}' "/proc/$worker_pid/status")
worker_cpu=$(awk -v a="$worker_cpu_before" -v b="$(cpu_seconds "$worker_pid")" 'BEGIN { printf "%.2f", b - a }')
api_cpu=$(awk -v a="$api_cpu_before" -v b="$(cpu_seconds "$api_pid")" 'BEGIN { printf "%.2f", b - a }')
echo "   last batch: $body"
echo "== CraftFlow: IMAGES=$IMAGES, WORKER_CONCURRENCY=$WORKER_CONCURRENCY, $COUNT designs, $( [ "$WARMUP" -gt 0 ] && echo "after $WARMUP warm-up designs" || echo "services cold")"
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
