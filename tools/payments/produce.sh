#!/usr/bin/env bash
# Writes generated payment events to Kafka (tools/payments/produce.ts): valid events, redeliveries
# and schema-invalid messages in the shares asked for, at a fixed rate, keyed by customer id.
#
#   eval "$(bash tools/stack/stack.sh env --profile test)"    # exports KAFKA_BROKERS
#   bash tools/payments/produce.sh --count 2000 --rate 1000   # to payments.normalized
#   bash tools/payments/produce.sh --help
#
# Progress on stderr, a JSON summary ({sent, valid, duplicates, invalid, seconds, ratePerSecond,
# runId, ...}) on stdout. Builds @enrich/domain and compiles the tool with the generator's source
# (libs/testing/src/payment-events.ts) into a temp dir: loading @enrich/testing whole would need
# every lib it references built, and Temporal and Prisma at run time.
set -euo pipefail
TOOL=produce-payments
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

OUT=$(mktemp -d "${TMPDIR:-/tmp}/produce-payments.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

# tsc reports on stdout: keep stdout for the summary.
npx tsc -b libs/domain/tsconfig.lib.json >&2 || die "building libs/domain failed"

# Compiled with tools/bench/tsconfig.json (no @enrich/source condition: @enrich/domain resolves to
# its build); the root is the repository's, as the tool imports the generator by relative path.
printf '{"extends":"%s","include":[],"files":["%s"],"compilerOptions":{"rootDir":"%s","outDir":"%s"}}' \
  "$root/tools/bench/tsconfig.json" "$root/tools/payments/produce.ts" "$root" "$OUT/js" >"$OUT/tsconfig.json"
npx tsc -p "$OUT/tsconfig.json" >&2 || die "compiling tools/payments/produce.ts failed"

# Compiled into a temp dir, so bare imports resolve through the repo's node_modules.
NODE_PATH="$root/node_modules" node "$OUT/js/tools/payments/produce.js" "$@"
