#!/usr/bin/env bash
# Benchmark of the payment stream (tools/bench/payments-bench.ts): valid payment events at a fixed
# rate (open loop) to a fresh topic of 6 partitions, consumed by the compiled stream-consumer and a
# worker (apps/worker/start.sh) as child processes, one workflow per event, against a plain Kafka
# consumer doing the same work without Temporal (a child too), on a topic and database of its own.
# A mock-enrichment of the bench's own (latency 0) serves the inference models to both.
#
#   bash tools/bench/run-payments-bench.sh                            # 200 events/s for 30 s
#   BENCH_PAYMENTS_SECONDS=15 bash tools/bench/run-payments-bench.sh  # a shorter run
#   BENCH_PAYMENTS_RATE=400 bash tools/bench/run-payments-bench.sh    # another rate
#
# Uses the test stack's services when their environment is set (TEMPORAL_ADDRESS, DATABASE_URL,
# TEST_TEMPLATE_DATABASE and KAFKA_BROKERS, as in a shell prepared for integration tests; STACK_DIR
# too for the services' CPU); otherwise starts the test stack (and stops it again if it was not
# running before, unless KEEP_STACK=1) and migrates a template database of its own. Exit status 1
# when a CI gate breaks (BENCH_STRICT=1: a target too).
set -euo pipefail
TOOL=payments-bench
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

OUT=$(mktemp -d "${TMPDIR:-/tmp}/payments-bench.XXXXXX")
bench=""
# The bench stops its children itself (on SIGINT/SIGTERM too): the signal is handed on, and the
# script waits for it to finish before the temporary directory and the stack go.
forward() { [ -n "$bench" ] && kill -TERM "$bench" 2>/dev/null || true; }
trap forward INT TERM
trap 'forward; [ -n "$bench" ] && wait "$bench" 2>/dev/null; rm -rf "$OUT"; release_test_stack' EXIT
use_test_stack bench_template
[ -n "${KAFKA_BROKERS:-}" ] || die "KAFKA_BROKERS is not set: eval \"\$(bash tools/stack/stack.sh env --profile test)\" (the test stack runs Kafka)"

say "building the stream-consumer, worker, mock-enrichment and the libs they use"
npx tsc -b apps/stream-consumer/tsconfig.app.json apps/worker/tsconfig.app.json apps/mock-enrichment/tsconfig.app.json libs/testing/tsconfig.lib.json

compiled=$(compile_tool tools/bench/payments-bench.ts "$OUT")

# The baseline child is this file again and inherits NODE_PATH; the bench starts its children from the root.
NODE_PATH="$root/node_modules" node "$compiled" "$@" &
bench=$!
status=0
# A signal interrupts `wait` (status > 128) while the bench is still cleaning up: wait again.
while kill -0 "$bench" 2>/dev/null; do
  wait "$bench" && status=0 || status=$?
done
bench=""
exit "$status"
