#!/usr/bin/env bash
# Builds @enrich/codec (and the libs it uses), compiles tools/bench/codec-bench.ts into a temporary
# directory and runs it with plain node: no TypeScript runtime loader is needed.
#
#   bash tools/bench/run-codec-bench.sh        # exit status 1 when a CI gate breaks (BENCH_STRICT=1: a target too)
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$REPO_ROOT"
root=$REPO_ROOT source "$REPO_ROOT/tools/node.sh"

OUT=$(mktemp -d "${TMPDIR:-/tmp}/codec-bench.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

# The libs' dist/ is what node runs; tsc -b rebuilds only what changed.
npx tsc -b libs/codec/tsconfig.lib.json

# Compile this bench alone (the others may need libs not built yet) with tools/bench/tsconfig.json:
# no @enrich/source condition, so it runs against the built libs.
printf '{"extends":"%s","include":[],"files":["%s"],"compilerOptions":{"rootDir":"%s","outDir":"%s"}}' \
  "$REPO_ROOT/tools/bench/tsconfig.json" "$REPO_ROOT/tools/bench/codec-bench.ts" "$REPO_ROOT/tools/bench" "$OUT/js" >"$OUT/tsconfig.json"
npx tsc -p "$OUT/tsconfig.json"

# Compiled into a temp dir, so bare imports resolve through the repo's node_modules.
NODE_PATH="$REPO_ROOT/node_modules" node "$OUT/js/codec-bench.js" "$@"
