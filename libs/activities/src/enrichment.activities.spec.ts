import type { FieldSealer } from '@enrich/codec';
import type { JobRepository, PendingRow, RowResult } from '@enrich/db';
import type { CustomerRecord } from '@enrich/domain';
import type { LookupOutcome } from '@enrich/providers';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEnrichmentActivities } from './enrichment.activities';

/** A job's rows in memory: what the page reads and writes. */
class MemoryJob {
  readonly writes: Array<{ at: number; rows: number[] }> = [];
  readonly statuses = new Map<number, string>();
  constructor(rows: number) {
    for (let i = 1; i <= rows; i++) this.statuses.set(i, 'PENDING');
  }
  readonly repository = {
    pendingRows: async (): Promise<PendingRow[]> =>
      [...this.statuses]
        .filter(([, status]) => status === 'PENDING')
        .map(([rowNumber]) => ({ rowNumber, lineNumber: rowNumber + 1, input: { email: `p${rowNumber}@x.io` } })),
    saveRowResults: async (_jobId: string, rows: readonly RowResult[]) => {
      for (const row of rows) {
        if (this.statuses.get(row.rowNumber) !== 'PENDING') throw new Error(`row ${row.rowNumber} written twice`);
        this.statuses.set(row.rowNumber, row.status);
      }
      this.writes.push({ at: Date.now(), rows: rows.map((r) => r.rowNumber) });
    },
    rangeCounts: async () => ({ total: this.statuses.size, pending: 0, enriched: 0, notFound: 0, failed: 0, quarantined: 0 }),
  };
}

/** Rows and answers here hold nothing personal: opening and sealing leave them as they are. */
const sealer = { openRecord: async (record: object) => record, sealRecord: async (record: object) => record } as unknown as Pick<
  FieldSealer,
  'openRecord' | 'sealRecord'
>;

/** One demographics vendor answering each row once `wait(row)` resolves. */
function vendor(wait: (row: number) => Promise<unknown>) {
  return {
    lookupMany: async (records: readonly CustomerRecord[]): Promise<LookupOutcome[]> => {
      await wait(Number(/p(\d+)@/.exec(String(records[0].email))?.[1]));
      return [
        { kind: 'found', fromCache: false, fields: [{ field: 'region', value: 'r', provider: 'v', confidence: 0.9, fetchedAt: '2026-01-01T00:00:00.000Z' }] },
      ];
    },
  };
}

const environment = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });

describe('enrichPage', () => {
  it('lets no slow row hold up the others: they are looked up and written while it waits', async () => {
    const job = new MemoryJob(40);
    const written = () => [...job.statuses.values()].filter((s) => s !== 'PENDING').length;
    /** Row 1 answers only once every other row is written: a page that made rows wait for each other would never end. */
    const othersWritten = async () => {
      while (written() < 39) await sleep(5);
    };
    const { enrichPage } = createEnrichmentActivities({
      jobs: job.repository as unknown as JobRepository,
      waterfall: {
        providers: { v: vendor((row) => (row === 1 ? othersWritten() : sleep(1))) },
        waterfall: { demographics: ['v'], firmographics: [], contact: [], web: [] },
        threshold: 0.6,
      },
      sealer,
      rowsInFlight: 4,
      writeBatchRows: 10,
      writeDelayMs: 20,
    });
    await environment().run(enrichPage, { jobId: 'j', range: { from: 1, to: 41 }, fields: ['demographics'] });
    expect(job.writes.at(-1)?.rows).toEqual([1]);
    expect([...job.statuses.values()].every((s) => s === 'ENRICHED')).toBe(true);
  });

  it('writes finished rows in batches by size, and the rest when the page ends', async () => {
    const job = new MemoryJob(25);
    const { enrichPage } = createEnrichmentActivities({
      jobs: job.repository as unknown as JobRepository,
      waterfall: { providers: { v: vendor(() => sleep(0)) }, waterfall: { demographics: ['v'], firmographics: [], contact: [], web: [] }, threshold: 0.6 },
      sealer,
      rowsInFlight: 5,
      writeBatchRows: 10,
      writeDelayMs: 60_000,
    });
    await environment().run(enrichPage, { jobId: 'j', range: { from: 1, to: 26 }, fields: ['demographics'] });
    expect(job.writes.map((w) => w.rows.length)).toEqual([10, 10, 5]);
  });

  it('fails the attempt when a write fails, and a retry redoes exactly the rows not written', async () => {
    const job = new MemoryJob(30);
    const save = job.repository.saveRowResults;
    let calls = 0;
    job.repository.saveRowResults = async (jobId, rows) => {
      if (++calls === 2) throw new Error('connection reset');
      return save(jobId, rows);
    };
    const deps = {
      jobs: job.repository as unknown as JobRepository,
      waterfall: { providers: { v: vendor(() => sleep(1)) }, waterfall: { demographics: ['v'], firmographics: [], contact: [], web: [] }, threshold: 0.6 },
      sealer,
      rowsInFlight: 3,
      writeBatchRows: 10,
      writeDelayMs: 60_000,
    };
    const { enrichPage } = createEnrichmentActivities(deps);
    const input = { jobId: 'j', range: { from: 1, to: 31 }, fields: ['demographics'] };
    await expect(environment().run(enrichPage, input)).rejects.toThrow('connection reset');
    const done = [...job.statuses.values()].filter((s) => s === 'ENRICHED').length;
    expect(done).toBe(10);
    await environment().run(enrichPage, input);
    expect([...job.statuses.values()].every((s) => s === 'ENRICHED')).toBe(true);
  });
  it('hands the rest of a page over when the worker drains: rows in flight finish and are written, the rest stay pending for the next attempt', async () => {
    const job = new MemoryJob(30);
    const draining = new AbortController();
    const answered: number[] = [];
    /** Row 5's lookup starts the drain; rows already in flight (1-8) still answer and are written. */
    const wait = async (row: number) => {
      if (row === 5) draining.abort();
      await sleep(10);
      answered.push(row);
    };
    const { enrichPage } = createEnrichmentActivities({
      jobs: job.repository as unknown as JobRepository,
      waterfall: { providers: { v: vendor(wait) }, waterfall: { demographics: ['v'], firmographics: [], contact: [], web: [] }, threshold: 0.6 },
      sealer,
      rowsInFlight: 8,
      draining: draining.signal,
    });
    const input = { jobId: 'j', range: { from: 1, to: 31 }, fields: ['demographics'] };
    await expect(environment().run(enrichPage, input)).rejects.toMatchObject({ type: 'WorkerShutdown', nonRetryable: false });
    const enriched = [...job.statuses].filter(([, s]) => s === 'ENRICHED').map(([row]) => row);
    // Every lookup that was made is written (its call was paid for); none was started after the drain.
    expect(enriched.sort((a, b) => a - b)).toEqual(answered.sort((a, b) => a - b));
    expect(enriched).toHaveLength(8);
    expect([...job.statuses.values()].filter((s) => s === 'PENDING')).toHaveLength(22);
    // The next attempt (another worker) does the rest, each row once (a second write of a row throws).
    const next = createEnrichmentActivities({
      jobs: job.repository as unknown as JobRepository,
      waterfall: { providers: { v: vendor(() => sleep(1)) }, waterfall: { demographics: ['v'], firmographics: [], contact: [], web: [] }, threshold: 0.6 },
      sealer,
      rowsInFlight: 8,
    });
    await environment().run(next.enrichPage, input);
    expect([...job.statuses.values()].every((s) => s === 'ENRICHED')).toBe(true);
  });
});
