import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { memorySettingsWarnings, type ProcessMemorySettings } from './memory-settings';

const MB = 1024 * 1024;
const START_SCRIPT = join(__dirname, '..', 'start.sh');

/**
 * What a process started by start.sh runs with (`-p` makes node print it instead of running main.js),
 * with `variables` in place of the ones the test runner may have.
 */
async function startedBy(variables: Record<string, string>): Promise<ProcessMemorySettings> {
  const probe =
    'JSON.stringify([v8.getHeapStatistics().heap_size_limit, process.report.getReport().header.glibcVersionRuntime ?? null, process.env.GLIBC_TUNABLES ?? null])';
  const assignments = Object.entries(variables).map(([name, value]) => `${name}=${value}`);
  const { stdout } = await promisify(execFile)('env', ['-u', 'GLIBC_TUNABLES', '-u', 'WORKER_MAX_HEAP_MB', ...assignments, 'bash', START_SCRIPT, '-p', probe]);
  const [heapSizeLimitBytes, glibcVersion, glibcTunables] = JSON.parse(stdout) as [number, string | null, string | null];
  return { heapSizeLimitBytes, glibc: glibcVersion !== null, glibcTunables: glibcTunables ?? undefined };
}

describe('memorySettingsWarnings', () => {
  const started: ProcessMemorySettings = {
    heapSizeLimitBytes: 304 * MB,
    glibc: true,
    glibcTunables: 'glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=131072',
  };

  it('finds nothing missing in a process with the heap limit and the malloc threshold', () => {
    expect(memorySettingsWarnings({ maxHeapMb: 256 }, started)).toEqual([]);
  });

  it('names the flag when the heap limit is the machine-derived default', () => {
    const warnings = memorySettingsWarnings({ maxHeapMb: 256 }, { ...started, heapSizeLimitBytes: 4144 * MB });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('the V8 heap limit is 4144 MB, above WORKER_MAX_HEAP_MB=256');
    expect(warnings[0]).toContain('--max-old-space-size=256');
  });

  it('names GLIBC_TUNABLES when the mmap threshold is not fixed, on glibc only', () => {
    for (const glibcTunables of [undefined, 'glibc.malloc.arena_max=2']) {
      expect(memorySettingsWarnings({ maxHeapMb: 256 }, { ...started, glibcTunables })).toEqual([
        expect.stringContaining('GLIBC_TUNABLES does not set glibc.malloc.mmap_threshold'),
      ]);
      expect(memorySettingsWarnings({ maxHeapMb: 256 }, { ...started, glibc: false, glibcTunables })).toEqual([]);
    }
  });
});

describe('apps/worker/start.sh', () => {
  it('starts node with the settings the worker checks for, at the configured heap size', async () => {
    const byDefault = await startedBy({});
    expect(memorySettingsWarnings({ maxHeapMb: 256 }, byDefault)).toEqual([]);
    const larger = await startedBy({ WORKER_MAX_HEAP_MB: '512' });
    expect(memorySettingsWarnings({ maxHeapMb: 512 }, larger)).toEqual([]);
    expect(larger.heapSizeLimitBytes - byDefault.heapSizeLimitBytes).toBe(256 * MB);
  });

  it('keeps GLIBC_TUNABLES the environment already has', async () => {
    expect((await startedBy({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=4' })).glibcTunables).toBe('glibc.malloc.arena_max=4');
  });

  it('refuses a heap size that is not a whole number of megabytes', async () => {
    await expect(startedBy({ WORKER_MAX_HEAP_MB: '256m' })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining("WORKER_MAX_HEAP_MB must be a whole number of megabytes, got '256m'"),
    });
  });
});
