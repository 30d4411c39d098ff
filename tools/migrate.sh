#!/usr/bin/env bash
# Prisma Migrate, offline.
#
#   bash tools/migrate.sh                 # = prisma migrate deploy (apply pending migrations)
#   bash tools/migrate.sh status|dev …|diff …|reset --force|resolve …   # any `prisma migrate` subcommand
#   bash tools/migrate.sh check           # fail if prisma/migrations does not produce prisma/schema.prisma
#
# Schema engine (tools/prisma-engine/select-engine.cjs decides; one line on stderr says which):
#   - PRISMA_SCHEMA_ENGINE_BINARY, if you set it (to a file that must exist);
#   - else the CLI's native schema-engine-<platform>, where `prisma`'s install script downloaded it
#     (node_modules/@prisma/engines, node_modules/prisma, …) and it reports the CLI's engines
#     version;
#   - else tools/prisma-engine/schema-engine, a Node program running the Wasm build of the same
#     engine (see tools/prisma-engine/schema-engine.cjs): the usual case here, where installs skip
#     scripts and the native binary cannot be downloaded. Migrations it writes/applies are
#     identical to the native engine's (same SQL, same checksums in _prisma_migrations).
# Details and how to try the native path: tools/prisma-engine/README.md.
# Needs DATABASE_URL (read by prisma.config.ts); `dev`, `diff --from-migrations` and `check` also
# create and drop a temporary shadow database, so the role needs CREATEDB.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
root=$ROOT source "$ROOT/tools/node.sh"

export CHECKPOINT_DISABLE=1
export PRISMA_HIDE_UPDATE_MESSAGE=1

if [[ -z "${DATABASE_URL:-}" ]]; then
  echo "tools/migrate.sh: DATABASE_URL is not set." >&2
  echo "Start the dev stack and load its environment first:  eval \"\$(bash tools/stack/stack.sh env)\"" >&2
  exit 1
fi

# Line 1: the engine's path; line 2: which engine that is and why (stderr: stdout stays the CLI's).
engine="$(node tools/prisma-engine/select-engine.cjs)"
export PRISMA_SCHEMA_ENGINE_BINARY="${engine%%$'\n'*}"
echo "tools/migrate.sh: schema engine: ${engine#*$'\n'}" >&2

prisma() {
  # --no: never fetch a package; prisma must already be installed in node_modules.
  npx --no -- prisma "$@"
}

if [[ $# -eq 0 ]]; then
  set -- deploy
fi

if [[ "$1" == "check" ]]; then
  shift
  # Replays prisma/migrations into a temporary shadow database and diffs it with the schema.
  # Exit status: 0 = in sync, 2 = drift (the printed summary names it), other = error.
  schema="${1:-prisma/schema.prisma}"
  set +e
  out="$(prisma migrate diff --from-migrations prisma/migrations --to-schema "$schema" --exit-code 2>&1)"
  rc=$?
  set -e
  case "$rc" in
    0)
      echo "migrations check: prisma/migrations matches $schema"
      ;;
    2)
      echo "$out" >&2
      echo >&2
      echo "migrations check FAILED: prisma/migrations does not produce $schema (drift listed above)." >&2
      echo "Create a migration for it: bash tools/migrate.sh dev --name <change>" >&2
      exit 2
      ;;
    *)
      echo "$out" >&2
      echo "migrations check: prisma migrate diff failed (exit $rc)" >&2
      exit "$rc"
      ;;
  esac
  exit 0
fi

prisma migrate "$@"
