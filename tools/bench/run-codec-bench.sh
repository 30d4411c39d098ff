#!/usr/bin/env bash
# Builds @enrich/codec (and the libs it uses), compiles tools/bench/codec-bench.ts into a temporary
# directory and runs it with plain node: no TypeScript runtime loader is needed.
#
#   bash tools/bench/run-codec-bench.sh        # exit status 1 when a target is missed
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$REPO_ROOT"

OUT=$(mktemp -d "${TMPDIR:-/tmp}/codec-bench.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

# The libs' dist/ is what node runs; tsc -b rebuilds only what changed.
npx tsc -b libs/codec/tsconfig.lib.json

# tools/bench/tsconfig.json has no @enrich/source condition: benches compile against the built libs.
npx tsc -p "$REPO_ROOT/tools/bench/tsconfig.json" --outDir "$OUT/js"

# Compiled into a temp dir, so bare imports resolve through the repo's node_modules.
NODE_PATH="$REPO_ROOT/node_modules" node "$OUT/js/codec-bench.js" "$@"
