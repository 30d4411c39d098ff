import { getHeapStatistics } from 'node:v8';

/** The memory settings the worker process actually runs with. */
export interface ProcessMemorySettings {
  /** V8's heap limit: old space plus young generation. */
  heapSizeLimitBytes: number;
  /** Whether the C library is glibc (GLIBC_TUNABLES means nothing to musl, say). */
  glibc: boolean;
  glibcTunables: string | undefined;
}

const MB = 1024 * 1024;

// What V8 adds to --max-old-space-size in its heap limit: the young generation, three semi-spaces
// (48 MB with start.sh's --max-semi-space-size=16; Node 24 makes it 192 MB without it), with room
// to spare.
const YOUNG_GENERATION_MB = 64;

// The glibc setting that matters most (start.sh sets it with the others): with it fixed, freed
// large buffers go back to the OS instead of raising the threshold and staying in an arena.
const MMAP_THRESHOLD_TUNABLE = 'glibc.malloc.mmap_threshold';

/** Reads the heap limit and C library of the running process. */
export function currentMemorySettings(glibcTunables: string | undefined): ProcessMemorySettings {
  const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
  return { heapSizeLimitBytes: getHeapStatistics().heap_size_limit, glibc: Boolean(report.header?.glibcVersionRuntime), glibcTunables };
}

/**
 * One message per memory setting the process lacks, compared with what `apps/worker/start.sh`
 * starts the worker with; empty when it was started that way. Both settings can only be given when
 * the process starts, so the worker can merely report them.
 */
export function memorySettingsWarnings(expected: { maxHeapMb: number }, actual: ProcessMemorySettings): string[] {
  const warnings: string[] = [];
  const heapLimitMb = Math.round(actual.heapSizeLimitBytes / MB);
  if (heapLimitMb > expected.maxHeapMb + YOUNG_GENERATION_MB) {
    warnings.push(
      `the V8 heap limit is ${heapLimitMb} MB, above WORKER_MAX_HEAP_MB=${expected.maxHeapMb}: V8 lets the heap grow towards its limit before it collects, ` +
        `so the worker's memory follows the limit, not what it holds. Start it with apps/worker/start.sh (or node --max-old-space-size=${expected.maxHeapMb} --max-semi-space-size=16)`,
    );
  }
  if (actual.glibc && !actual.glibcTunables?.includes(MMAP_THRESHOLD_TUNABLE)) {
    warnings.push(
      `GLIBC_TUNABLES does not set ${MMAP_THRESHOLD_TUNABLE}: glibc then keeps freed buffers in its per-thread arenas, some 70 MB more resident memory. ` +
        'Start the worker with apps/worker/start.sh, which sets it',
    );
  }
  return warnings;
}
