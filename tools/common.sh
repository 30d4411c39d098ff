# Sourced by the tools' entry scripts: repo root as cwd, Nx kept offline, and message helpers
# prefixed with the calling tool's name (set TOOL before sourcing).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false NX_CLOUD_API=http://127.0.0.1:9 CHECKPOINT_DISABLE=1
started=$(date +%s)
say() { printf '%s: %s\n' "$TOOL" "$*" >&2; }
die() { printf '%s: error: %s\n' "$TOOL" "$*" >&2; exit 1; }
# Node.js of .nvmrc first on PATH (installed into .stack/node when the machine's is older).
source "$root/tools/node.sh"

# use_test_stack TEMPLATE: the test stack's services for a tool that runs on them (the benches).
# With TEMPORAL_ADDRESS, DATABASE_URL and TEST_TEMPLATE_DATABASE set (a shell prepared for
# integration tests) nothing is done. Otherwise the test stack is brought up and its environment
# exported (CODEC_LOCAL_KEY_FILE too), the Prisma client generated, and the database TEMPLATE
# migrated and exported as TEST_TEMPLATE_DATABASE: a template of the tool's own, since a shared
# stack's enrich_template may be in use by test suites. Call release_test_stack from the EXIT trap.
test_stack_started=""
use_test_stack() {
  local template=$1
  [ -n "${TEMPORAL_ADDRESS:-}" ] && [ -n "${DATABASE_URL:-}" ] && [ -n "${TEST_TEMPLATE_DATABASE:-}" ] && return 0
  # Only a stack this tool brought up is taken down again (release_test_stack).
  bash tools/stack/stack.sh status --profile test 2>/dev/null | grep -q ' running ' || test_stack_started=1
  bash tools/stack/stack.sh up --profile test
  eval "$(bash tools/stack/stack.sh env --profile test)"
  export CODEC_LOCAL_KEY_FILE="${CODEC_LOCAL_KEY_FILE:-$STACK_DIR/keys/master-keys.json}"
  say "generating the Prisma client"
  bash tools/prisma-generate.sh >/dev/null
  say "migrating the template database $template"
  psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -qc "DROP DATABASE IF EXISTS $template WITH (FORCE)" -c "CREATE DATABASE $template"
  DATABASE_URL="${DATABASE_URL%/*}/$template" bash tools/migrate.sh deploy >/dev/null
  export TEST_TEMPLATE_DATABASE=$template
}

# release_test_stack: takes the test stack down if use_test_stack brought it up, unless KEEP_STACK=1.
release_test_stack() {
  if [ -n "$test_stack_started" ] && [ "${KEEP_STACK:-}" != "1" ]; then bash tools/stack/stack.sh down --profile test >/dev/null 2>&1 || true; fi
}

# compile_tool FILE OUT: compiles one TypeScript tool (FILE, e.g. tools/bench/batch-bench.ts) alone
# into OUT/js with tools/bench/tsconfig.json — no @enrich/source condition, so it runs against the
# built libs, and the others tools need not compile — and prints the path of its .js. Run that with
# NODE_PATH="$root/node_modules": compiled into a temp dir, its bare imports resolve through the
# repository's node_modules.
compile_tool() {
  local file=$1 out=$2
  printf '{"extends":"%s","include":[],"files":["%s"],"compilerOptions":{"rootDir":"%s","outDir":"%s"}}' \
    "$root/tools/bench/tsconfig.json" "$root/$file" "$root/tools" "$out/js" >"$out/tsconfig.json"
  npx tsc -p "$out/tsconfig.json" >&2
  local relative=${file#tools/}
  printf '%s\n' "$out/js/${relative%.ts}.js"
}
