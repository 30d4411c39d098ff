#!/usr/bin/env bash
# Starts the worker (dist/main.js beside this script) with the memory settings it is sized for.
# Extra arguments are node options (e.g. --enable-source-maps). `exec` keeps the worker on this
# script's pid, so a supervisor's signals and its RSS readings reach the worker itself.
#
# Both settings can only be given when the process starts, hence a script and not the config:
# - --max-old-space-size=WORKER_MAX_HEAP_MB (default 256, as in libs/config): V8 lets its heap grow
#   towards a limit derived from the machine's memory (4 GB on 24 GB) before it collects, so the
#   heap took hundreds of MB during a job while under 130 MB of it was live. Worker threads
#   (Temporal's workflow thread) get the same limit.
# - --max-semi-space-size=16: the young generation is three semi-spaces on top of the old space.
#   Node 20 made them 16 MB; Node 24's V8 makes them 64 MB (a 448 MB heap limit for 256 MB of old
#   space), which only adds garbage the worker carries between scavenges.
# - GLIBC_TUNABLES (unless set): a fixed mmap threshold hands freed large buffers back to the OS;
#   by default glibc raises the threshold after each one and keeps later ones in per-thread arenas
#   (about 110 MB resident for under 20 MB in use). At most two arenas for the worker's twenty-odd
#   threads (V8, libuv, Temporal core's Tokio), so no thread's burst stays resident on its own.
set -euo pipefail

heap_mb=${WORKER_MAX_HEAP_MB:-256}
if ! [[ $heap_mb =~ ^[1-9][0-9]*$ ]]; then
  echo "worker: WORKER_MAX_HEAP_MB must be a whole number of megabytes, got '$heap_mb'" >&2
  exit 2
fi
export GLIBC_TUNABLES=${GLIBC_TUNABLES:-glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=131072}
exec node --max-old-space-size="$heap_mb" --max-semi-space-size=16 "$@" "$(dirname "${BASH_SOURCE[0]}")/dist/main.js"
