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
# `prisma-client` needs no engine, but the CLI still resolves (and, without
# PRISMA_SCHEMA_ENGINE_BINARY, would try to download) the schema engine: point it at the one
# tools/migrate.sh would use, the native binary if installed, else the offline Wasm shim
# (line 1 of select-engine.cjs's output; line 2, why, is not printed: this script is quiet).
engine="$(node tools/prisma-engine/select-engine.cjs)"
export PRISMA_SCHEMA_ENGINE_BINARY="${engine%%$'\n'*}"

if ! out="$(npx --no -- prisma generate 2>&1)"; then
  echo "$out" >&2
  echo "tools/prisma-generate.sh: prisma generate failed" >&2
  exit 1
fi
