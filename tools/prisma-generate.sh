#!/usr/bin/env bash
# Generate the Prisma client (generator `prisma-client` in prisma/schema.prisma) into
# libs/db/src/generated/prisma, offline: no database, no DATABASE_URL, no engine download.
# Quiet on success; prints the CLI's output on failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
root=$ROOT source "$ROOT/tools/node.sh"

export CHECKPOINT_DISABLE=1
export PRISMA_HIDE_UPDATE_MESSAGE=1
export PRISMA_HIDE_PREVIEW_FLAG_WARNINGS=1
# `prisma-client` needs no engine, but the CLI still resolves (and would otherwise try to
# download) the schema engine: point it at the offline one from tools/prisma-engine.
export PRISMA_SCHEMA_ENGINE_BINARY="$ROOT/tools/prisma-engine/schema-engine"

if ! out="$(npx --no -- prisma generate 2>&1)"; then
  echo "$out" >&2
  echo "tools/prisma-generate.sh: prisma generate failed" >&2
  exit 1
fi
