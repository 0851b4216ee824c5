# Sourced by the bench scripts: a throwaway PostgreSQL, redis-server, the API and the Worker on free loopback
# ports, all stopped (and the work directory removed) when the script exits. Run from the repository root.
#   services_init PREFIX   work directory $work (mktemp /tmp/PREFIX-XXXX), ports, the exit trap
#   services_build         the API, the Worker and the migration service published as their Dockerfiles publish
#                          them (Release, linux-x64, ReadyToRun), into $work/out
#   services_start         PostgreSQL + migrations, redis-server (unless REDIS=0), API and Worker; waits for /alive
#   services_register_user registers a fresh user and prints its bearer token
# After services_start: $api (base URL), $api_pid, $worker_pid ($! of an env that execs dotnet: the Worker's own pid).
# Knobs: REDIS (default 1), WORKER_CONCURRENCY (default 2).

services_init() {
  work=$(mktemp -d "/tmp/$1-XXXX")
  chmod 755 "$work"
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  pg_port=$(free_port)
  api_port=$(free_port)
  worker_port=$(free_port)
  mkdir -p "$work/pg" && { [ "$(id -u)" != 0 ] || chown postgres: "$work/pg"; }
  trap services_cleanup EXIT
}

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

services_cleanup() {
  # Stop the services first (they hold database connections), wait for them, then PostgreSQL.
  for pid in ${worker_pid:-} ${api_pid:-} ${redis_pid:-}; do kill "$pid" 2>/dev/null || true; done
  for pid in ${worker_pid:-} ${api_pid:-} ${redis_pid:-}; do wait "$pid" 2>/dev/null || true; done
  as_pg "$pgbin/pg_ctl" -D "$work/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}

services_build() {
  echo "== publishing (Release, linux-x64, ReadyToRun, as the Dockerfiles do)"
  for project in CraftFlow.Api CraftFlow.Worker CraftFlow.MigrationService; do
    dotnet publish "$project/$project.csproj" -c Release -r linux-x64 --self-contained false -v q -nologo \
      -o "$work/out/$project" >/dev/null
  done
}

services_start() {
  local worker_concurrency=${WORKER_CONCURRENCY:-2}
  echo "== postgres on 127.0.0.1:$pg_port"
  as_pg "$pgbin/initdb" -D "$work/pg" -U postgres --auth=trust --no-sync >/dev/null
  as_pg "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg/log" -o "-p $pg_port -h 127.0.0.1 -k $work/pg -c shared_buffers=256MB" -w start >/dev/null
  local conn="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=craftflowdb"
  ConnectionStrings__craftflowdb="$conn" dotnet "$work/out/CraftFlow.MigrationService/CraftFlow.MigrationService.dll" >/dev/null

  local services_env=(ConnectionStrings__craftflowdb="$conn" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning
    STORAGE_PATH="$work/blobs")
  if [ "${REDIS:-1}" = 1 ]; then
    local redis_port
    redis_port=$(free_port)
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >/dev/null 2>&1 &
    redis_pid=$!
    for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    services_env+=(ConnectionStrings__cache="127.0.0.1:$redis_port")
  fi

  echo "== api on :$api_port, worker on :$worker_port (WORKER_CONCURRENCY=$worker_concurrency, redis: ${REDIS:-1})"
  env "${services_env[@]}" ASPNETCORE_URLS="http://127.0.0.1:$api_port" \
    dotnet "$work/out/CraftFlow.Api/CraftFlow.Api.dll" > "$work/api.log" 2>&1 &
  api_pid=$!
  env "${services_env[@]}" ASPNETCORE_URLS="http://127.0.0.1:$worker_port" WORKER_CONCURRENCY="$worker_concurrency" \
    dotnet "$work/out/CraftFlow.Worker/CraftFlow.Worker.dll" > "$work/worker.log" 2>&1 &
  worker_pid=$!
  local port
  for port in "$api_port" "$worker_port"; do
    for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$port/alive" >/dev/null && break; sleep 0.2; done
    curl -sf "http://127.0.0.1:$port/alive" >/dev/null || { echo "service on :$port did not start"; tail -n 40 "$work"/*.log; exit 1; }
  done
  api="http://127.0.0.1:$api_port"
}

services_register_user() {
  curl -sf -X POST "$api/api/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"bench-$$@example.com\",\"password\":\"bench-password-123\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"]["token"])'
}
