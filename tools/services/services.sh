#!/usr/bin/env bash
# Start, stop and inspect a real PostgreSQL and a real Redis on loopback for tests.
#
#   tools/services/services.sh start   [postgres|redis]   install if missing, start (idempotent), print env
#   tools/services/services.sh stop    [postgres|redis]   stop one (keeps data and port) or all (removes temp dirs)
#   tools/services/services.sh restart [postgres|redis]   stop then start on the same port and data
#   tools/services/services.sh env                        print the env file (DATABASE_URL, REDIS_URL, ...)
#   tools/services/services.sh status                     exit 0 when every started service answers
#
# State lives in $SERVICES_STATE_DIR (default <repo>/.tmp/services); the env file is
# $SERVICES_ENV_FILE (default <repo>/.tmp/services.env for the default state dir,
# $SERVICES_STATE_DIR/services.env otherwise). Set SERVICES_STATE_DIR to run a private,
# independent pair (the example-service tests do, so their fault tests never touch
# an instance other tests share). Data directories are temporary (mktemp under $TMPDIR).
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/../.." && pwd)"
DEFAULT_STATE="$REPO_ROOT/.tmp/services"
STATE_DIR="${SERVICES_STATE_DIR:-$DEFAULT_STATE}"
if [[ -n "${SERVICES_ENV_FILE:-}" ]]; then
  ENV_FILE="$SERVICES_ENV_FILE"
elif [[ "$STATE_DIR" == "$DEFAULT_STATE" ]]; then
  ENV_FILE="$REPO_ROOT/.tmp/services.env"
else
  ENV_FILE="$STATE_DIR/services.env"
fi
PG_DB="${SERVICES_PG_DATABASE:-app}"
PG_USER="postgres"

log() { printf 'services: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=SCRIPTDIR/../common/system-packages.sh
. "$REPO_ROOT/tools/common/system-packages.sh"

# ---------------------------------------------------------------- locking
mkdir -p "$STATE_DIR"
exec 9>"$STATE_DIR/.lock"
flock -w 120 9 || die "could not take the lock $STATE_DIR/.lock"

state_get() { [[ -f "$STATE_DIR/$1" ]] && cat "$STATE_DIR/$1" || true; }
state_set() { printf '%s\n' "$2" >"$STATE_DIR/$1"; }

# ---------------------------------------------------------------- install
# Why a package is needed, for the line printed before installing it (and the --no-install error).
install_reason() {
  case "$1" in
    postgresql | postgresql-client) echo "PostgreSQL server and psql for the jobs' postgres services" ;;
    redis-server | redis-tools) echo "Redis server and redis-cli for the jobs' redis services" ;;
    *) echo "needed by services.sh (${FUNCNAME[2]:-start})" ;;
  esac
}

# SERVICES_NO_INSTALL=1 (the pipeline runner's --no-install): fail, naming the package and why, instead.
apt_install() {
  packages_reset
  packages_need "$1" "$(install_reason "$1")"
  packages_install "${SERVICES_NO_INSTALL:-0}" SERVICES_NO_INSTALL "the jobs' services"
}

pg_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x "$d/postgres" && -x "$d/initdb" && -x "$d/pg_ctl" ]]; then
      printf '%s\n' "$d"
      return 0
    fi
  done
  return 1
}

ensure_postgres_installed() {
  if ! pg_bindir >/dev/null; then
    apt_install postgresql
    # Debian's package starts a default cluster through its own tooling; we never use it.
  fi
  pg_bindir >/dev/null || die "PostgreSQL binaries not found after install"
  command -v psql >/dev/null || apt_install postgresql-client
}

ensure_redis_installed() {
  command -v redis-server >/dev/null || apt_install redis-server
  command -v redis-cli >/dev/null || apt_install redis-tools
}

# ---------------------------------------------------------------- helpers
free_port() {
  # Ask the kernel for a free loopback port (bind to port 0), then release it.
  local p
  if command -v python3 >/dev/null; then
    p="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
  else
    p="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  fi
  printf '%s\n' "$p"
}

# True when something already listens on 127.0.0.1:$1.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# As root, PostgreSQL must run as an unprivileged user.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    id "$PG_USER" >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /usr/sbin/nologin "$PG_USER"
    runuser -u "$PG_USER" -- "$@"
  else
    "$@"
  fi
}

pg_running() {
  local root; root="$(state_get pg_root)"
  [[ -n "$root" && -d "$root/data" ]] || return 1
  as_pg "$(pg_bindir)/pg_ctl" -D "$root/data" status >/dev/null 2>&1
}

redis_running() {
  local port; port="$(state_get redis_port)"
  [[ -n "$port" ]] || return 1
  redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG
}

# ---------------------------------------------------------------- postgres
start_postgres() {
  ensure_postgres_installed
  if pg_running; then return 0; fi
  local bin root port
  bin="$(pg_bindir)"
  root="$(state_get pg_root)"
  port="$(state_get pg_port)"
  if [[ -z "$root" || ! -d "$root/data" ]]; then
    root="$(mktemp -d "${TMPDIR:-/tmp}/services-pg.XXXXXX")"
    if [[ $(id -u) -eq 0 ]]; then as_pg true; chown "$PG_USER" "$root"; fi
    chmod 700 "$root"
    as_pg "$bin/initdb" -D "$root/data" -U "$PG_USER" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$root/initdb.log" 2>&1 \
      || { cat "$root/initdb.log" >&2; die "initdb failed"; }
    as_pg mkdir -p "$root/sock"
    state_set pg_root "$root"
    state_set pg_created_db 0
  fi
  # a remembered port taken by something else meanwhile (e.g. after a reboot): take a new one
  if [[ -z "$port" ]] || port_in_use "$port"; then port="$(free_port)"; state_set pg_port "$port"; fi
  # Test settings: loopback only, no durability (temporary data), quick shutdown.
  as_pg "$bin/pg_ctl" -D "$root/data" -l "$root/postgres.log" -w -t 60 \
    -o "-p $port -k $root/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null 9>&- || { tail -n 30 "$root/postgres.log" >&2; die "PostgreSQL did not start"; }
  if [[ "$(state_get pg_created_db)" != "1" ]]; then
    if ! as_pg psql -h 127.0.0.1 -p "$port" -U "$PG_USER" -d postgres -qAt \
        -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'" | grep -q 1; then
      as_pg psql -h 127.0.0.1 -p "$port" -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1 -q -c "CREATE DATABASE \"$PG_DB\"" \
        || die "could not create database $PG_DB"
    fi
    state_set pg_created_db 1
  fi
  log "PostgreSQL on 127.0.0.1:$port (data $root/data)"
}

stop_postgres() {
  local root; root="$(state_get pg_root)"
  if pg_running; then
    as_pg "$(pg_bindir)/pg_ctl" -D "$root/data" -m fast -w -t 30 stop >/dev/null || true
    log "PostgreSQL stopped"
  fi
}

# ---------------------------------------------------------------- redis
start_redis() {
  ensure_redis_installed
  if redis_running; then return 0; fi
  local dir port
  dir="$(state_get redis_dir)"
  port="$(state_get redis_port)"
  if [[ -z "$dir" || ! -d "$dir" ]]; then
    dir="$(mktemp -d "${TMPDIR:-/tmp}/services-redis.XXXXXX")"
    state_set redis_dir "$dir"
  fi
  if [[ -z "$port" ]] || port_in_use "$port"; then port="$(free_port)"; state_set redis_port "$port"; fi
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --save "" --appendonly no \
    --protected-mode yes >/dev/null 9>&- || die "redis-server did not start"
  for _ in $(seq 1 100); do
    redis_running && break
    sleep 0.05
  done
  redis_running || { tail -n 30 "$dir/redis.log" >&2; die "Redis did not answer on port $port"; }
  log "Redis on 127.0.0.1:$port (dir $dir)"
}

stop_redis() {
  local port dir pid
  port="$(state_get redis_port)"
  dir="$(state_get redis_dir)"
  if [[ -n "$port" ]] && redis_running; then
    redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
  fi
  if [[ -n "$dir" && -f "$dir/redis.pid" ]]; then
    pid="$(cat "$dir/redis.pid" 2>/dev/null || true)"
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
      kill -0 "$pid" 2>/dev/null && kill "$pid" 2>/dev/null || true
    fi
  fi
  [[ -n "$port" ]] && log "Redis stopped"
  return 0
}

# ---------------------------------------------------------------- env
write_env() {
  local pg_port redis_port tmp
  pg_port="$(state_get pg_port)"
  redis_port="$(state_get redis_port)"
  mkdir -p "$(dirname "$ENV_FILE")"
  tmp="$ENV_FILE.tmp.$$"
  {
    [[ -n "$pg_port" ]] && printf 'DATABASE_URL=postgres://%s@127.0.0.1:%s/%s\nPGHOST=127.0.0.1\nPGPORT=%s\nPGUSER=%s\nPGDATABASE=%s\n' \
      "$PG_USER" "$pg_port" "$PG_DB" "$pg_port" "$PG_USER" "$PG_DB"
    [[ -n "$redis_port" ]] && printf 'REDIS_URL=redis://127.0.0.1:%s\nREDIS_PORT=%s\n' "$redis_port" "$redis_port"
  } >"$tmp"
  mv "$tmp" "$ENV_FILE"
}

cleanup_all() {
  local d
  for d in "$(state_get pg_root)" "$(state_get redis_dir)"; do
    [[ -n "$d" && -d "$d" && "$d" == "${TMPDIR:-/tmp}"/services-* ]] && rm -rf -- "$d"
  done
  rm -f "$STATE_DIR"/pg_* "$STATE_DIR"/redis_* "$ENV_FILE"
}

# ---------------------------------------------------------------- main
cmd="${1:-}"
which="${2:-all}"
case "$which" in all|postgres|redis) ;; *) die "unknown service '$which' (postgres|redis)";; esac

case "$cmd" in
  start)
    [[ "$which" != redis ]] && start_postgres
    [[ "$which" != postgres ]] && start_redis
    write_env
    cat "$ENV_FILE"
    ;;
  stop)
    [[ "$which" != redis ]] && stop_postgres
    [[ "$which" != postgres ]] && stop_redis
    if [[ "$which" == all ]]; then cleanup_all; fi
    ;;
  restart)
    [[ "$which" != redis ]] && { stop_postgres; start_postgres; }
    [[ "$which" != postgres ]] && { stop_redis; start_redis; }
    write_env
    ;;
  env)
    [[ -f "$ENV_FILE" ]] || die "not started (no $ENV_FILE)"
    cat "$ENV_FILE"
    ;;
  status)
    rc=0
    if [[ -n "$(state_get pg_port)" ]]; then
      if pg_running; then log "postgres: up on $(state_get pg_port)"; else log "postgres: down"; rc=1; fi
    fi
    if [[ -n "$(state_get redis_port)" ]]; then
      if redis_running; then log "redis: up on $(state_get redis_port)"; else log "redis: down"; rc=1; fi
    fi
    exit $rc
    ;;
  *)
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
