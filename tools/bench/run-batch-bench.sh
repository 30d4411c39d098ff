#!/usr/bin/env bash
# Benchmark of the CSV batch engine (tools/bench/batch-bench.ts): the compiled worker as a child
# process, on the test stack's Temporal server and PostgreSQL, against mock-enrichment processes of
# its own (free ports, knobs per scenario; the shared :14010 one is never used).
#
#   bash tools/bench/run-batch-bench.sh                  # S1 (100,000 rows), S2, S2d and S4
#   BENCH_ROWS=50000 bash tools/bench/run-batch-bench.sh # a smaller S1: what .ci/run runs
#   BENCH_SCALE=1 bash tools/bench/run-batch-bench.sh    # also S3: 1,000,000 rows (not in CI)
#   bash tools/bench/run-batch-bench.sh --only s3        # extra arguments go to the bench
#
# Uses the test stack's services when their environment is set (TEMPORAL_ADDRESS, DATABASE_URL and
# TEST_TEMPLATE_DATABASE, as in a shell prepared for integration tests); otherwise starts the test
# stack (and stops it again if it was not running before, unless KEEP_STACK=1) and migrates a
# template database of its own. Exit status 1 when a CI gate breaks (BENCH_STRICT=1: a target too).
set -euo pipefail
TOOL=batch-bench
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

OUT=$(mktemp -d "${TMPDIR:-/tmp}/batch-bench.XXXXXX")
trap 'rm -rf "$OUT"; release_test_stack' EXIT
use_test_stack bench_template

say "building the worker, mock-enrichment and the libs they use"
npx tsc -b apps/worker/tsconfig.app.json apps/mock-enrichment/tsconfig.app.json libs/testing/tsconfig.lib.json

bench=$(compile_tool tools/bench/batch-bench.ts "$OUT")

args=(--rows "${BENCH_ROWS:-100000}")
[ "${BENCH_SCALE:-}" = "1" ] && args+=(--scale)
# The bench starts the worker and the mocks from the repository root (its cwd).
NODE_PATH="$root/node_modules" node "$bench" "${args[@]}" "$@"
