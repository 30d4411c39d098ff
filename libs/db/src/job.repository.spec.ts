import { DEV_DEFAULTS } from '@enrich/config';
import { FileBlobStore, BlobNotFoundError } from './blob-store';
import { cloneDatabase, type ClonedDatabase } from './clone-database';
import { JobRepository } from './job.repository';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

describe('JobRepository (PostgreSQL)', () => {
  let db: ClonedDatabase;
  let jobs: JobRepository;

  beforeAll(async () => {
    // The run's server and migrated template as `@enrich/testing` reads them: that lib depends on this one, so its tests cannot use it.
    db = await cloneDatabase(process.env.DATABASE_URL || DEV_DEFAULTS.databaseUrl, process.env.TEST_TEMPLATE_DATABASE || 'enrich_template');
    jobs = new JobRepository(db.prisma);
  });
  afterAll(() => db?.drop());

  async function jobWithRows(rows: number) {
    const { id } = await jobs.create({ sourceName: 'a.csv', blobKey: 'uploads/a.csv', fields: ['demographics'] });
    await jobs.insertRows(
      id,
      Array.from({ length: rows }, (_, i) => ({ rowNumber: i + 1, lineNumber: i + 2, input: { email: `r${i + 1}@x.io` }, status: 'PENDING' as const })),
    );
    return id;
  }

  it('stages rows idempotently: a replayed batch inserts nothing twice', async () => {
    const id = await jobWithRows(5);
    await jobs.insertRows(id, [
      { rowNumber: 5, lineNumber: 6, input: { email: 'changed@x.io' }, status: 'PENDING' },
      { rowNumber: 6, lineNumber: 7, input: { email: 'bad' }, status: 'QUARANTINED', error: 'line 7: email: is not a valid email address' },
    ]);
    expect(await jobs.counts(id)).toEqual({ total: 6, pending: 5, enriched: 0, notFound: 0, failed: 0, quarantined: 1 });
    const pending = await jobs.pendingRows(id, { from: 4, to: 7 });
    expect(pending.map((r) => [r.rowNumber, r.input['email']])).toEqual([
      [4, 'r4@x.io'],
      [5, 'r5@x.io'],
    ]);
  });

  it('writes a row once: it moves out of PENDING with its fields, and a second write of it (a racing attempt) changes nothing', async () => {
    const id = await jobWithRows(3);
    const field = (name: string, value: string, confidence: number) => ({
      field: name,
      value,
      provider: 'p',
      confidence,
      fetchedAt: '2026-01-01T00:00:00.000Z',
    });
    const batch = [
      { rowNumber: 1, status: 'ENRICHED' as const, fields: [field('region', 'north', 0.7), field('age_band', '25-34', 0.7)] },
      { rowNumber: 2, status: 'NOT_FOUND' as const, error: 'no record', fields: [] },
    ];
    await jobs.saveRowResults(id, batch);
    await jobs.saveRowResults(id, [{ ...batch[0], fields: [field('region', 'south', 0.9)] }]);
    expect(await db.prisma.enrichmentResult.count({ where: { jobId: id } })).toBe(2);
    const [row1, row2, row3] = await jobs.resultRows(id, 0, 10);
    expect(row1.fields.map((f) => [f.field, f.value, f.confidence])).toEqual([
      ['age_band', '25-34', 0.7],
      ['region', 'north', 0.7],
    ]);
    expect((await db.prisma.jobRow.findMany({ where: { jobId: id }, orderBy: { rowNumber: 'asc' } })).map((r) => r.attempts)).toEqual([1, 1, 0]);
    expect(row2).toMatchObject({ status: 'NOT_FOUND', lastError: 'no record', fields: [] });
    expect(row3).toMatchObject({ status: 'PENDING' });
    expect(await jobs.rangeCounts(id, { from: 1, to: 3 })).toMatchObject({ total: 2, enriched: 1, notFound: 1 });
  });

  it('fails only the rows still pending in a range, with the reason', async () => {
    const id = await jobWithRows(4);
    await jobs.saveRowResults(id, [{ rowNumber: 2, status: 'ENRICHED', fields: [] }]);
    expect(await jobs.failPendingRows(id, { from: 1, to: 4 }, 'provider down')).toBe(2);
    const rows = await jobs.resultRows(id, 0, 10);
    expect(rows.map((r) => [r.status, r.lastError])).toEqual([
      ['FAILED', 'provider down'],
      ['ENRICHED', null],
      ['FAILED', 'provider down'],
      ['PENDING', null],
    ]);
  });

  it('tracks status timestamps', async () => {
    const id = await jobWithRows(0);
    await jobs.markStatus(id, 'RUNNING');
    await jobs.markStatus(id, 'COMPLETED');
    const job = await jobs.get(id);
    expect(job?.startedAt).toBeInstanceOf(Date);
    expect(job?.completedAt).toBeInstanceOf(Date);
    expect(await jobs.get('00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });
});

describe('FileBlobStore', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'blobs-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('stores, streams back and deletes a blob', async () => {
    const store = new FileBlobStore(dir);
    expect(await store.put('uploads/x.csv', Readable.from([Buffer.from('a,b\n')]))).toBe(4);
    const chunks: Buffer[] = [];
    for await (const chunk of await store.get('uploads/x.csv')) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('a,b\n');
    await store.delete('uploads/x.csv');
    await expect(store.get('uploads/x.csv')).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it('leaves no partial file when the upload stream fails', async () => {
    const store = new FileBlobStore(dir);
    const failing = new Readable({
      read() {
        this.push(Buffer.from('partial'));
        this.destroy(new Error('client went away'));
      },
    });
    await expect(store.put('uploads/broken.csv', failing)).rejects.toThrow('client went away');
    expect((await readdir(join(dir, 'uploads'))).filter((f) => f.startsWith('broken'))).toEqual([]);
  });

  it('refuses keys that could escape its directory', async () => {
    const store = new FileBlobStore(dir);
    await expect(store.get('../etc/passwd')).rejects.toBeInstanceOf(BlobNotFoundError);
    await expect(store.put('/abs', Readable.from([]))).rejects.toBeInstanceOf(BlobNotFoundError);
  });
});
