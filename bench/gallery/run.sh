#!/usr/bin/env bash
# Gallery route under load: GET /api/designs?limit=50 for a user with 100k designs, measured with wrk.
# Starts its own PostgreSQL (and redis-server when cached), the API on loopback, seeds the data, runs
# wrk, counts database transactions, stops everything.
# Usage: bench/gallery/run.sh uncached|cached [duration_seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/../.."
MODE=${1:-uncached}
DURATION=${2:-20}
CONNECTIONS=${3:-32}
ROWS=${ROWS:-100000}

work=$(mktemp -d /tmp/craftflow-bench-XXXX)
chmod 755 "$work"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

pg_port=$(free_port)
api_port=$(free_port)
mkdir -p "$work/pg" && [ "$(id -u)" = 0 ] && chown postgres: "$work/pg"
cleanup() {
  [ -n "${api_pid:-}" ] && kill "$api_pid" 2>/dev/null || true
  [ -n "${redis_pid:-}" ] && kill "$redis_pid" 2>/dev/null || true
  as_pg "$pgbin/pg_ctl" -D "$work/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== building (Release)"
dotnet build CraftFlow.Api -c Release -v q -nologo >/dev/null
dotnet build CraftFlow.MigrationService -c Release -v q -nologo >/dev/null

echo "== postgres on 127.0.0.1:$pg_port"
as_pg "$pgbin/initdb" -D "$work/pg" -U postgres --auth=trust --no-sync >/dev/null
as_pg "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg/log" -o "-p $pg_port -h 127.0.0.1 -k $work/pg -c shared_buffers=256MB -c shared_preload_libraries=pg_stat_statements" -w start >/dev/null
conn="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=craftflowdb"
ConnectionStrings__craftflowdb="$conn" dotnet CraftFlow.MigrationService/bin/Release/net10.0/CraftFlow.MigrationService.dll >/dev/null

token="bench-token-$(date +%s)"
echo "== seeding $ROWS designs"
"$pgbin/psql" -q -h 127.0.0.1 -p "$pg_port" -U postgres -d craftflowdb <<SQL
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
INSERT INTO users (id, email, password_hash, is_admin, created_at, updated_at)
VALUES ('00000000-0000-7000-8000-000000000001', 'bench@example.com', 'x', false, now(), now());
INSERT INTO user_tokens (id, user_id, name, token_hash, created_at, expires_at)
VALUES (gen_random_uuid(), '00000000-0000-7000-8000-000000000001', 'bench', sha256('$token'::bytea), now(), now() + interval '1 day');
INSERT INTO design_images (id, user_id, title, tags, original_file_name, content_type, file_size, sha256,
    phash, ahash, dhash, whash, status, is_active, created_at, updated_at)
SELECT gen_random_uuid(), '00000000-0000-7000-8000-000000000001', 'design ' || n, '{cat,tee}', 'd' || n || '.png', 'image/png', 123456,
    md5(n::text) || md5((n + 1)::text), (random() * 9e18)::bigint, (random() * 9e18)::bigint, (random() * 9e18)::bigint,
    (random() * 9e18)::bigint, 'processed', true, now() - n * interval '1 second', now()
FROM generate_series(1, $ROWS) n;
ANALYZE;
SQL

if [ "$MODE" = cached ]; then
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >/dev/null 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  EXTRA_ENV="ENABLE_CACHING=true ConnectionStrings__cache=127.0.0.1:$redis_port"
else
  EXTRA_ENV="ENABLE_CACHING=false"
fi

echo "== api on 127.0.0.1:$api_port ($EXTRA_ENV)"
env ConnectionStrings__craftflowdb="$conn" ASPNETCORE_URLS="http://127.0.0.1:$api_port" ASPNETCORE_ENVIRONMENT=Production \
  Logging__LogLevel__Default=Warning STORAGE_PATH="$work/blobs" $EXTRA_ENV \
  dotnet CraftFlow.Api/bin/Release/net10.0/CraftFlow.Api.dll > "$work/api.log" 2>&1 &
api_pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$api_port/alive" >/dev/null && break; sleep 0.2; done

url="http://127.0.0.1:$api_port/api/designs?limit=50"
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$url")
[ "$status" = 200 ] || { echo "gallery answered $status"; cat "$work/api.log"; exit 1; }

echo "== warm-up"
BENCH_TOKEN=$token wrk -t2 -c"$CONNECTIONS" -d5s -s bench/gallery/auth.lua "$url" >/dev/null
"$pgbin/psql" -q -h 127.0.0.1 -p "$pg_port" -U postgres -d craftflowdb -c "SELECT pg_stat_statements_reset();" >/dev/null
echo "== wrk -t2 -c$CONNECTIONS -d${DURATION}s --latency $url"
BENCH_TOKEN=$token wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/gallery/auth.lua "$url" | tee "$work/wrk.txt"
requests=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
# Statements the API ran (the bench's own psql calls and the pool's DISCARD ALL resets excluded).
queries=$("$pgbin/psql" -At -h 127.0.0.1 -p "$pg_port" -U postgres -d craftflowdb -c \
  "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
   WHERE d.datname = 'craftflowdb' AND query NOT ILIKE '%pg_stat_statements%' AND query NOT ILIKE 'DISCARD%';")
echo "== $MODE: $requests requests, $queries database queries = $(( queries * 1000 / (requests > 0 ? requests : 1) )) per 1000 requests"
