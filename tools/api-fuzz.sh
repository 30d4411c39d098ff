#!/usr/bin/env bash
# Property-based fuzzing of the api-gateway's contract: schemathesis generates requests (valid and
# invalid) for every operation of /openapi.json, sent with an API key holding every scope, and the
# run fails when any answer is a 5xx. Other checks (schema conformance, negative data accepted, ...)
# are reported by API_FUZZ_CHECKS=all but do not fail the run.
#
#   bash tools/api-fuzz.sh                          what tools/test.sh runs, on the run's stack
#   API_FUZZ_EXAMPLES=200 bash tools/api-fuzz.sh    more test cases per operation (default 25)
#   API_FUZZ_CHECKS=all bash tools/api-fuzz.sh      every check; still fails on server errors only
#   API_FUZZ_SEED=123 bash tools/api-fuzz.sh        replay the generation of an earlier run
#   bash tools/api-fuzz.sh --include-path-regex /keys   extra arguments go to `st run`
#
# Needs the environment tools/test.sh exports (the test stack's, MOCK_ENRICHMENT_URL,
# TEST_TEMPLATE_DATABASE, CODEC_LOCAL_KEY_FILE); it builds what it runs. It clones a database of its
# own from the template and starts a worker (own task queue) and a gateway (API_FUZZ_PORT, 3911)
# on it, so it runs beside the jest suites' databases and queues; both are stopped and the
# database dropped on exit. Logs: $STACK_DIR/logs/api-fuzz-*.log.
set -euo pipefail
TOOL=api-fuzz
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

for var in DATABASE_URL TEMPORAL_ADDRESS STACK_DIR MOCK_ENRICHMENT_URL TEST_TEMPLATE_DATABASE CODEC_LOCAL_KEY_FILE; do
  [ -n "${!var:-}" ] || die "$var is not set: run through tools/test.sh, or in a shell with the test stack's environment (README.md, Tests)"
done

# Pinned, and installed once into the git-ignored .stack/ (not the machine's Python): the checks
# and their names change between schemathesis releases.
st_version=4.32.5
st_dir="$root/.stack/python/schemathesis-$st_version"
if [ ! -f "$st_dir/.installed" ]; then
  say "installing schemathesis $st_version into ${st_dir#"$root"/}"
  rm -rf "$st_dir"
  python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location --target "$st_dir" "schemathesis==$st_version" \
    || die "pip could not install schemathesis $st_version"
  touch "$st_dir/.installed"
fi
st() { PYTHONPATH="$st_dir${PYTHONPATH:+:$PYTHONPATH}" python3 -m schemathesis.cli "$@"; }

port=${API_FUZZ_PORT:-3911}
examples=${API_FUZZ_EXAMPLES:-25}
db="api_fuzz_$$"
queue="api-fuzz-$$"
# The stack's own database: where ours is created and dropped from (DATABASE_URL becomes ours).
admin_url=$DATABASE_URL
db_url="${DATABASE_URL%/*}/$db"
logs="$STACK_DIR/logs"
work=$(mktemp -d "${TMPDIR:-/tmp}/api-fuzz.XXXXXX")
mkdir -p "$logs"

worker_pid="" gateway_pid=""
stop() {
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}
cleanup() {
  local status=$?
  stop "$gateway_pid"
  stop "$worker_pid"
  # Workflows the fuzzer started (an erid waits PUSH_IDLE_CLOSE_S, 15 min, for contacts) would stay
  # open on a task queue nobody polls any more; the stack may outlive this run (KEEP_STACK=1).
  if [ -n "$worker_pid" ] && [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
    "$TEMPORAL_CLI_PATH" workflow terminate --address "$TEMPORAL_ADDRESS" --namespace "${TEMPORAL_NAMESPACE:-default}" \
      --query "TaskQueue = '$queue' AND ExecutionStatus = 'Running'" --reason "api-fuzz finished" --yes >/dev/null 2>&1 || true
  fi
  psql "$admin_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

# What it runs, built here: NX_MODE=affected may not have built them (Nx's cache makes it instant
# when it did). The worker runs the prebuilt workflow bundle when dist has one, and `nx build` does
# not refresh it: a stale one fails every workflow task (500s on each workflow update).
say "building the gateway, the worker and its workflow bundle (Nx cache)"
npx nx run-many -t build bundle-workflows --projects=@enrich/api-gateway,@enrich/worker,@enrich/testing --outputStyle=static >"$logs/api-fuzz-build.log" 2>&1 \
  || { tail -20 "$logs/api-fuzz-build.log" >&2; die "the build failed; its log is $logs/api-fuzz-build.log"; }

say "database $db (from $TEST_TEMPLATE_DATABASE), task queue $queue, gateway on :$port"
psql "$admin_url" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $db TEMPLATE $TEST_TEMPLATE_DATABASE"
enrich() { DATABASE_URL=$db_url node apps/api-gateway/dist/cli/enrich.js "$@"; }
enrich admin tenants create api-fuzz --name "API fuzzing" >/dev/null
# Every scope, so no operation is only ever answered 403 and the fuzzer reaches every handler.
# (Its stderr is the notice that the key is shown only once.)
api_key=$(enrich admin keys create --tenant api-fuzz --name api-fuzz --scopes read,write,pii,admin 2>"$work/keys-create.err") \
  || { cat "$work/keys-create.err" >&2; die "could not create the API key"; }

# The apps' shared settings: the cloned database, a task queue and blob store of their own.
export DATABASE_URL=$db_url TEMPORAL_TASK_QUEUE=$queue BLOB_DIR="$work/blobs" LOG_LEVEL=warn OPS_PORT=0
mkdir -p "$BLOB_DIR"

# start NAME READY COMMAND...: the app in the background, its log in $logs; READY is a /health
# URL, or empty for the worker (ready once it logs "worker started").
start() {
  local name=$1 ready=$2 log="$logs/api-fuzz-$1.log"; shift 2
  "$@" >"$log" 2>&1 </dev/null &
  local pid=$!
  if [ "$name" = worker ]; then worker_pid=$pid; else gateway_pid=$pid; fi
  # 60 s: ample for connecting to Temporal and PostgreSQL (the workflow bundle is prebuilt).
  for _ in $(seq 1 600); do
    kill -0 "$pid" 2>/dev/null || { tail -20 "$log" >&2; die "$name exited during start; its log is $log"; }
    if [ -z "$ready" ]; then
      grep -q '"worker started"' "$log" && return
    elif curl -fsS "$ready" >/dev/null 2>&1; then
      return
    fi
    sleep 0.1
  done
  tail -20 "$log" >&2
  die "$name did not start in 60 s; its log is $log"
}
t0=$(date +%s)
LOG_LEVEL=info start worker "" bash apps/worker/start.sh
# A rate limit the fuzzer never reaches: a 429 would hide the handler behind it.
start gateway "http://127.0.0.1:$port/health" \
  env PORT="$port" HOST=127.0.0.1 RATE_LIMIT_PER_MINUTE=1000000 node apps/api-gateway/dist/main.js
say "worker and gateway started in $(( $(date +%s) - t0 ))s"

# Something real behind the ids: the stateful phase follows links from GET /v1/jobs and from each
# answer's Location into a job's routes (a random UUID only ever reaches the 404), and a generated
# CSV rarely has the email column an upload needs. A running job and one waiting for its start.
csv="$work/customers.csv"
node -e "process.stdout.write(require('@enrich/testing').customersCsv({ rows: 20, seed: 42 }))" >"$csv"
for start in true false; do
  curl -fsS -o /dev/null -H "Authorization: Bearer $api_key" -H "Content-Type: text/csv" --data-binary "@$csv" \
    "http://127.0.0.1:$port/v1/jobs?name=api-fuzz.csv&start=$start" || die "could not submit the seed job (start=$start)"
done

checks=not_a_server_error
[ "${API_FUZZ_CHECKS:-}" = all ] && checks=all
seed=${API_FUZZ_SEED:-$(( (RANDOM << 15) | RANDOM ))}
say "schemathesis: checks $checks, $examples test cases per operation, seed $seed"
# Run from the temp dir: schemathesis keeps a .schemathesis/ cache in its working directory.
# --generation-database none: no .hypothesis/ either, and a run is replayed by its seed.
# --workers 1: the gateway and the worker share the machine's cores with it.
# --request-timeout: a request that hangs (a workflow that stopped answering) is an error too.
out="$logs/api-fuzz-schemathesis.log"
t0=$(date +%s)
status=0
(cd "$work" && st run "http://127.0.0.1:$port/openapi.json" \
  --header "Authorization: Bearer $api_key" \
  --checks "$checks" \
  --max-examples "$examples" \
  --seed "$seed" \
  --generation-database none \
  --request-timeout 10 \
  --workers 1 \
  --no-color \
  --report junit --report-junit-path "$logs/api-fuzz-junit.xml" \
  "$@") \
  2>&1 | tee "$out" || status=$?
say "schemathesis finished in $(( $(date +%s) - t0 ))s with exit code $status"

# The operations of each section of its report ("___ POST /v1/jobs/{id}/pause ___" headings).
operations() {
  awk -v want="$1" '/^=+ [A-Z]+ =+$/ { section = $2; next }
    section == want && /^_+ [A-Z]+ \/[^ ]* _+$/ { print "  " $2 " " $3 }' "$out" | sort -u
}
failed=$(operations FAILURES) errored=$(operations ERRORS)
if [ "$checks" = all ]; then
  # Every check, for the report only: the run fails on server errors alone (a check failing first
  # can hide one in the same operation, so the gate is the default run).
  grep -q 'Server error:' "$out" || exit 0
  die "server errors (5xx) among the failures above; the gateway's log is $logs/api-fuzz-gateway.log"
fi
[ "$status" -eq 0 ] && exit 0
[ -n "$failed" ] && say "$(printf 'answered a 5xx:\n%s' "$failed")"
[ -n "$errored" ] && say "$(printf 'no answer (timeout, connection):\n%s' "$errored")"
die "schemathesis found the problems above (seed $seed); the 500s' stacks are in $logs/api-fuzz-gateway.log (\"unhandled error\")"
