#!/usr/bin/env bash
# Benchmark of the push acknowledgement (tools/bench/push-bench.ts): 1,000-contact requests to
# POST /v1/enrichment-requests of the compiled api-gateway at a fixed rate (open loop), against a
# bare express route parsing the same bodies. The gateway, the worker, a mock-enrichment (latency 0)
# and the bare route are child processes on free ports (the shared :14010 mock is never used).
#
#   bash tools/bench/run-push-bench.sh                          # 100 requests/s for 30 s
#   BENCH_PUSH_SECONDS=10 bash tools/bench/run-push-bench.sh    # what .ci/run runs
#   BENCH_PUSH_RATE=20 bash tools/bench/run-push-bench.sh       # another rate
#
# Uses the test stack's services when their environment is set (TEMPORAL_ADDRESS, DATABASE_URL and
# TEST_TEMPLATE_DATABASE, as in a shell prepared for integration tests); otherwise starts the test
# stack (and stops it again if it was not running before, unless KEEP_STACK=1) and migrates a
# template database of its own. Exit status 1 when a CI gate breaks (BENCH_STRICT=1: a target too).
set -euo pipefail
TOOL=push-bench
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

OUT=$(mktemp -d "${TMPDIR:-/tmp}/push-bench.XXXXXX")
trap 'rm -rf "$OUT"; release_test_stack' EXIT
use_test_stack bench_template

say "building the api-gateway, worker, mock-enrichment and the libs they use"
npx tsc -b apps/api-gateway/tsconfig.app.json apps/worker/tsconfig.app.json apps/mock-enrichment/tsconfig.app.json libs/testing/tsconfig.lib.json

bench=$(compile_tool tools/bench/push-bench.ts "$OUT")

# The bare express child inherits NODE_PATH; the bench starts its children from the repository root.
NODE_PATH="$root/node_modules" node "$bench" "$@"
