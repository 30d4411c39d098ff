#!/usr/bin/env bash
# What one project's integration tests need, brought up when missing and shared by whoever runs next:
# the test stack (tools/stack, profile "test"), the Prisma client, a migrated template database
# (enrich_template) and one mock-enrichment process (TEST_MOCK_PORT, 14010). Prints the variables the
# suites read as KEY=value lines on stdout (progress on stderr). Idempotent, and serialised with a
# lock, so projects tested at once (`nx run-many -t test`) start it once. Everything it starts keeps
# running for the next run: `bash tools/stack/stack.sh down --profile test` and
# `kill "$(cat .stack/test/mock-enrichment.pid)"` stop it.
#
# Used by the jest global setup of the projects with integration suites (tools/jest/global-setup.cjs),
# so `npx nx test <project>` works by itself; `npm test` (tools/test.sh) does the same for the whole run.
set -euo pipefail
TOOL=test-stack
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
exec 3>&1 1>&2

mkdir -p .stack
exec 9>.stack/test-stack.lock
flock 9

# Services and the mock outlive this script: they must not hold its stdout (fd 3, read to the end by
# the caller) or the lock (fd 9) open.
bash tools/stack/stack.sh up --profile test >/dev/null 3>&- 9>&-
eval "$(bash tools/stack/stack.sh env --profile test)"
[ -d libs/db/src/generated/prisma ] || bash tools/prisma-generate.sh >/dev/null

template=enrich_template
if ! psql "$DATABASE_URL" -tAc "SELECT 1 FROM pg_database WHERE datname = '$template'" | grep -q 1; then
  say "creating the template database $template"
  psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $template"
fi
DATABASE_URL="${DATABASE_URL%/*}/$template" bash tools/migrate.sh deploy >/dev/null 2>&1 ||
  die "could not migrate $template: run \`DATABASE_URL=${DATABASE_URL%/*}/$template bash tools/migrate.sh deploy\` to see why"

mock_port=${TEST_MOCK_PORT:-14010}
mock_url="http://127.0.0.1:$mock_port"
if ! curl -fsS "$mock_url/health" >/dev/null 2>&1; then
  say "starting mock-enrichment on :$mock_port (log $STACK_DIR/logs/mock-enrichment.log)"
  npx tsc -b apps/mock-enrichment/tsconfig.app.json
  PORT=$mock_port LOG_LEVEL=warn MOCK_LATENCY_MS=0 MOCK_JITTER_MS=0 setsid node apps/mock-enrichment/dist/main.js \
    >"$STACK_DIR/logs/mock-enrichment.log" 2>&1 </dev/null 3>&- 9>&- &
  echo $! >"$STACK_DIR/mock-enrichment.pid"
  for _ in $(seq 1 100); do
    curl -fsS "$mock_url/health" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fsS "$mock_url/health" >/dev/null 2>&1 || die "mock-enrichment did not start: see $STACK_DIR/logs/mock-enrichment.log"
fi

for name in TEMPORAL_ADDRESS TEMPORAL_NAMESPACE TEMPORAL_UI_URL TEMPORAL_CLI_PATH TEMPORAL_TEST_SERVER_PATH DATABASE_URL KMS_ENDPOINT \
  KAFKA_BROKERS AWS_REGION AWS_DEFAULT_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY STACK_DIR; do
  printf '%s=%s\n' "$name" "${!name}" >&3
done
printf 'MOCK_ENRICHMENT_URL=%s\nTEST_TEMPLATE_DATABASE=%s\nCODEC_LOCAL_KEY_FILE=%s\n' "$mock_url" "$template" "$STACK_DIR/keys/master-keys.json" >&3
