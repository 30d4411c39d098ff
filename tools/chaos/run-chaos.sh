#!/usr/bin/env bash
# The chaos suite (tools/chaos/chaos.ts): a CSV job through compiled workers on the test stack while
# workers are killed, the Temporal server and PostgreSQL restarted, the provider fails and workers
# are restarted one by one; one table of exact accounts and recovery times.
#
#   bash tools/chaos/run-chaos.sh                              # the full suite: 10,000 rows, 5 kills
#   bash tools/chaos/run-chaos.sh --rows 2000 --kills 2        # the short variant .ci/run runs
#   bash tools/chaos/run-chaos.sh --only kill9,rolling         # some scenarios (after the clean run)
#
# It restarts the test stack's Temporal server and PostgreSQL: run it alone, not beside test suites.
# Uses the test stack's services when their environment is set (as for the benches), otherwise starts
# the test stack (and stops it again unless it was running or KEEP_STACK=1). Exit status 1 when an
# account is wrong; recovery times are printed, never gated (BENCH_STRICT=1: a target too).
set -euo pipefail
TOOL=chaos
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

OUT=$(mktemp -d "${TMPDIR:-/tmp}/chaos.XXXXXX")
trap 'rm -rf "$OUT"; release_test_stack' EXIT
use_test_stack chaos_template

say "building the worker, mock-enrichment and the libs they use"
npx tsc -b apps/worker/tsconfig.app.json apps/mock-enrichment/tsconfig.app.json libs/testing/tsconfig.lib.json

chaos=$(compile_tool tools/chaos/chaos.ts "$OUT")

NODE_PATH="$root/node_modules" node "$chaos" "$@"
