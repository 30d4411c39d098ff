#!/usr/bin/env bash
# The whole platform on embedded defaults, from a fresh clone: installs what it needs, starts the
# dev stack (Temporal + Web UI, PostgreSQL, KMS emulator) and every app, enriches a generated
# customer file end to end, and prints where to look.
#
#   npm run demo                  start everything and run a sample job (ROWS=500 by default)
#   npm run demo -- stop          stop the apps and the stack
#   npm run demo -- status        what is running
set -euo pipefail
TOOL=demo
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

run_dir="$root/.stack/demo/apps"
APPS=(mock-enrichment codec-server worker api-gateway stream-consumer payments-producer)

stop_apps() {
  for app in "${APPS[@]}"; do
    local pid_file="$run_dir/$app.pid"
    [ -f "$pid_file" ] || continue
    local pid; pid=$(cat "$pid_file")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      say "stopped $app"
    fi
    rm -f "$pid_file"
  done
}

# start_app NAME HEALTH COMMAND...: starts a built app in the background and waits until it is
# ready: HEALTH is its health URL, "log:<message>" for a line its log says when ready, or "" for a
# worker ("worker started").
start_app() {
  local app=$1 health=$2; shift 2
  local pid_file="$run_dir/$app.pid" log="$root/.stack/demo/logs/$app.log"
  if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    say "$app already running (pid $(cat "$pid_file"))"
    return
  fi
  mkdir -p "$run_dir" "$(dirname "$log")"
  setsid nohup "$@" >"$log" 2>&1 < /dev/null &
  echo $! >"$pid_file"
  for _ in $(seq 1 150); do
    if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
      tail -20 "$log" >&2
      die "$app exited during start; its log is $log"
    fi
    if [ -z "$health" ]; then
      grep -q '"worker started"' "$log" 2>/dev/null && { say "$app started (log $log)"; return; }
    elif [ "${health#log:}" != "$health" ]; then
      grep -q "${health#log:}" "$log" 2>/dev/null && { say "$app started (log $log)"; return; }
    elif curl -fsS "$health" >/dev/null 2>&1; then
      say "$app started on ${health%/health} (log $log)"
      return
    fi
    sleep 0.2
  done
  tail -20 "$log" >&2
  die "$app did not become healthy in 30 s; its log is $log"
}

case "${1:-start}" in
  stop)
    stop_apps
    bash tools/stack/stack.sh down --profile demo
    exit 0
    ;;
  status)
    for app in "${APPS[@]}"; do
      pid_file="$run_dir/$app.pid"
      if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then echo "$app running (pid $(cat "$pid_file"))"; else echo "$app stopped"; fi
    done
    bash tools/stack/stack.sh status --profile demo
    exit 0
    ;;
  start) ;;
  *) die "unknown command '$1' (use start, stop or status)" ;;
esac

if [ ! -d node_modules/.bin ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci: exactly package-lock.json)"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi

# The Web UI decodes payloads through the demo's codec server.
export STACK_CODEC_ENDPOINT=http://127.0.0.1:8888
bash tools/stack/stack.sh up --profile demo
eval "$(bash tools/stack/stack.sh env --profile demo)"

say "generating the Prisma client and migrating the database"
bash tools/prisma-generate.sh
bash tools/migrate.sh deploy >/dev/null

say "building the apps"
npx nx run-many -t build --outputStyle=static >/dev/null
npx nx run @enrich/worker:bundle-workflows --outputStyle=static >/dev/null

blob_dir="$root/.stack/demo/blobs"
# The zero-setup key provider: a local master key file, created on first use (mode 0600). The
# apps' own default (CODEC_LOCAL_KEY_FILE unset, run from the repository root), so \`nx serve <app>\`
# beside the demo opens what the demo sealed.
export BLOB_DIR="$blob_dir" LOG_LEVEL=info CODEC_LOCAL_KEY_FILE="$root/.stack/demo/keys/master-keys.json"
start_app mock-enrichment http://127.0.0.1:4010/health node apps/mock-enrichment/dist/main.js
# Demo only: no credentials, every caller gets the restricted role (payloads decoded, personal
# fields still sealed). Production sets CODEC_AUTH_TOKENS or CODEC_JWKS_URL (apps/codec-server/README.md).
start_app codec-server http://127.0.0.1:8888/health env CODEC_AUTH_DISABLED=true PORT=8888 node apps/codec-server/dist/main.js
start_app worker "" bash apps/worker/start.sh
start_app api-gateway http://127.0.0.1:3000/health env PAYMENTS_OPERATOR_TENANT=demo node apps/api-gateway/dist/main.js
start_app stream-consumer "log:consuming payment events" node apps/stream-consumer/dist/main.js
# A live payment stream: 5 events/s (5 % duplicates, 2 % unreadable) until the demo is stopped.
start_app payments-producer "log:sent" bash tools/payments/produce.sh --count 1000000 --rate 5

say "declaring Temporal schedules (scheduler)"
node apps/scheduler/dist/main.js >>"$root/.stack/demo/logs/scheduler.log" 2>&1 || { tail -5 "$root/.stack/demo/logs/scheduler.log" >&2; die "the scheduler failed; its log is .stack/demo/logs/scheduler.log"; }

rows=${ROWS:-500}
sample="$root/.stack/demo/sample-customers.csv"
say "generating $sample ($rows customers)"
node -e "process.stdout.write(require('@enrich/testing').customersCsv({ rows: Number(process.argv[1]), seed: 42, eol: '\r\n' }))" "$rows" >"$sample"

say "creating the demo tenant and its API key"
key_file="$root/.stack/demo/api-key"
node apps/api-gateway/dist/cli/enrich.js admin tenants create demo --name "Demo tenant" --exists-ok >/dev/null
# One key per demo checkout, kept (mode 0600) so a restarted demo keeps working with it.
if [ ! -s "$key_file" ] || ! curl -fsS -o /dev/null -H "authorization: Bearer $(cat "$key_file")" http://127.0.0.1:3000/v1/jobs?limit=1; then
  (umask 077 && node apps/api-gateway/dist/cli/enrich.js admin keys create --tenant demo --name demo --scopes read,write,pii,admin 2>/dev/null >"$key_file")
fi
export ENRICH_API_KEY
ENRICH_API_KEY=$(cat "$key_file")

say "submitting the sample job through the CLI"
summary=$(node apps/api-gateway/dist/cli/enrich.js jobs submit "$sample")
echo "$summary"
job_id=$(echo "$summary" | sed -n 's/^job \([0-9a-f-]*\):.*/\1/p')

cat <<INFO

The demo is running (started in $(( $(date +%s) - started ))s). Where to look:
  Temporal Web UI   $TEMPORAL_UI_URL/namespaces/default/workflows/job-$job_id
                    (payloads are encrypted in Temporal; the UI decodes them through the codec server on :8888)
  API               http://127.0.0.1:3000/v1/jobs/$job_id   (results: /v1/jobs/$job_id/results, contract: /openapi.json)
  API key           tenant "demo", every scope: $ENRICH_API_KEY   (also in .stack/demo/api-key)
                    curl -H "authorization: Bearer \$(cat .stack/demo/api-key)" http://127.0.0.1:3000/v1/jobs
  Schedules         $TEMPORAL_UI_URL/namespaces/default/schedules   (customer-demographics-refresh, every 6 h)
  Mock providers    http://127.0.0.1:4010/openapi.json   (stats: /admin/stats)
  PostgreSQL        psql $DATABASE_URL
                    select status, count(*) from job_row where job_id = '$job_id' group by 1;
  Payment stream    5 events/s into payments.normalized (tools/payments/produce.sh), one workflow each:
                    psql $DATABASE_URL -c 'select type, count(*), avg(fraud_score) from payment_events group by 1'
                    unreadable ones: select kind, reason from payment_events_quarantine;
  Logs              .stack/demo/logs/
  More jobs         ENRICH_API_KEY=\$(cat .stack/demo/api-key) node apps/api-gateway/dist/cli/enrich.js jobs submit <file.csv>
  Stop everything   npm run demo -- stop
INFO
