#!/usr/bin/env bash
# The whole test suite, on real parts: one Temporal dev server, one PostgreSQL, one KMS emulator
# (tools/stack, profile "test") and one mock-enrichment app for the run, shared by every
# integration suite (each suite clones its own database from a migrated template and uses its own
# task queue). Lint, type checks, builds and tests of every project run through Nx.
#
#   npm test                                 everything
#   npm test -- --projects=@enrich/domain    extra arguments go to `nx run-many`
#   NX_MODE=affected npm test                only what the change affects (CI on pull requests)
#   STACK_*_PORT=… TEST_MOCK_PORT=… npm test   beside another run on this machine (tools/stack/README.md)
set -euo pipefail
TOOL=test
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

mock_pid=""
cleanup() {
  local status=$?
  [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null || true
  if [ "${KEEP_STACK:-}" != "1" ]; then bash tools/stack/stack.sh down --profile test >/dev/null 2>&1 || true; fi
  say "finished in $(( $(date +%s) - started ))s with exit code $status"
  # The run's closing line: tests passed and failed over every project.
  [ -n "${summary:-}" ] && printf '%s\n' "$summary"
}
trap cleanup EXIT

bash tools/stack/stack.sh up --profile test
eval "$(bash tools/stack/stack.sh env --profile test)"

say "generating the Prisma client"
bash tools/prisma-generate.sh

say "migrating the template database every suite clones"
template=enrich_template
psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -qc "DROP DATABASE IF EXISTS $template WITH (FORCE)" -c "CREATE DATABASE $template"
DATABASE_URL="${DATABASE_URL%/*}/$template" bash tools/migrate.sh deploy >/dev/null
say "checking that prisma/migrations matches prisma/schema.prisma"
bash tools/migrate.sh check

say "building every project"
mode=${NX_MODE:-run-many}
# The mock providers run as their own process for every integration suite, affected or not.
npx nx run @enrich/mock-enrichment:build --outputStyle=static
npx nx "$mode" -t build --outputStyle=static
say "packaging check: the publishable libs, packed and used by examples/codec-consumer"
bash tools/packaging-check.sh

mock_port=${TEST_MOCK_PORT:-14010}
say "starting mock-enrichment on :$mock_port"
PORT=$mock_port LOG_LEVEL=warn MOCK_LATENCY_MS=0 MOCK_JITTER_MS=0 node apps/mock-enrichment/dist/main.js >"$STACK_DIR/logs/mock-enrichment.log" 2>&1 &
mock_pid=$!
for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:$mock_port/health" >/dev/null 2>&1 && break
  kill -0 "$mock_pid" 2>/dev/null || { tail -20 "$STACK_DIR/logs/mock-enrichment.log" >&2; exit 1; }
  sleep 0.1
done
export MOCK_ENRICHMENT_URL="http://127.0.0.1:$mock_port" TEST_TEMPLATE_DATABASE=$template
# One local master key file for the run: suites, workers and the codec server share keys.
export CODEC_LOCAL_KEY_FILE="$STACK_DIR/keys/master-keys.json"

say "format check (Prettier; \`npm run format\` fixes it)"
npx prettier --check . --log-level warn || die "files above are not formatted: run \`npm run format\` and commit the result"

say "lint, typecheck and test"
log="$STACK_DIR/logs/nx-test.log"
status=0
npx nx "$mode" -t lint typecheck test --outputStyle=static "$@" 2>&1 | tee "$log" || status=$?
bash tools/api-fuzz.sh || status=1
# One closing line for the whole run, summed over every project's jest summary.
summary=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '/^Tests: /{for(i=2;i<=NF;i++){if($(i+1)~/^passed/)p+=$i; if($(i+1)~/^failed/)f+=$i; if($(i+1)~/^skipped/)s+=$i}} END{printf "%d passed, %d failed, %d skipped\n", p, f, s}')
exit $status
