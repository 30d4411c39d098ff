import { GROUP_FIELDS, type JobCounts, type JobProgress, type LookupStats } from '@enrich/domain';
import { customersCsv } from '@enrich/testing';
import { parse } from 'csv-parse/sync';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GatewayFixture, startGateway } from '../test-support/gateway-fixture';
import { buildCli, formatEta } from '../cli/enrich';

/** A job as `GET /v1/jobs/:id` answers it. */
interface Job {
  id: string;
  status: string;
  counts: JobCounts;
  progress: JobProgress & { nextRow?: number; pagesInFlight?: number; lookups?: LookupStats; credits?: { max: number; spent: number; toFinish?: number } };
}

interface ResultItem {
  rowNumber: number;
  status: string;
  lastError: string | null;
  input: Record<string, string | undefined>;
  fields: Array<{ field: string; value: unknown; provider: string; confidence: number }>;
}

const DEMOGRAPHICS = GROUP_FIELDS.demographics;

/**
 * Job control over real HTTP: pause, resume, cancel, live progress, partial results and the CSV
 * export, with a real worker whose provider answers take 50 ms, so jobs run long enough to steer.
 */
describe('/v1/jobs control, progress and export', () => {
  let fixture: GatewayFixture;
  let server: Server;

  beforeAll(async () => {
    // Small export pages, so a short file still takes several keyset reads.
    fixture = await startGateway({ knobs: { latencyMs: 50, jitterMs: 0, notFoundRate: 0.2 }, maxUploadBytes: 1024 * 1024, exportPageSize: 7 });
    ({ server } = fixture);
  });

  afterAll(() => fixture?.close());

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  async function submit(csv: string, query: string): Promise<Job> {
    const res = await fixture.api().post(`/v1/jobs?${query}`).set('content-type', 'text/csv').send(csv).expect(202);
    return res.body as Job;
  }

  async function getJob(id: string): Promise<Job> {
    return (await fixture.api().get(`/v1/jobs/${id}`).expect(200)).body as Job;
  }

  async function until(id: string, predicate: (job: Job) => boolean, what: string): Promise<Job> {
    for (let i = 0; i < 300; i++) {
      const job = await getJob(id);
      if (predicate(job)) return job;
      await sleep(50);
    }
    throw new Error(`job ${id}: timed out waiting for ${what}`);
  }

  const isFinal = (job: Job) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(job.status);
  const answered = (job: Job) => job.counts.enriched + job.counts.notFound + job.counts.failed;

  async function allResults(id: string): Promise<ResultItem[]> {
    const items: ResultItem[] = [];
    for (let after = 0; ;) {
      const res = await fixture.api().get(`/v1/jobs/${id}/results?after=${after}&limit=1000`).expect(200);
      items.push(...(res.body.items as ResultItem[]));
      if (res.body.nextAfter === undefined) return items;
      after = res.body.nextAfter as number;
    }
  }

  /** A row is either untouched (no fields) or final with all of its fields. */
  function expectWhole(rows: ResultItem[]) {
    for (const row of rows) {
      if (row.status === 'ENRICHED') expect(row.fields.map((f) => f.field).sort()).toEqual([...DEMOGRAPHICS].sort());
      else expect(row.fields).toEqual([]);
    }
  }

  it('creates a job now and starts it later: the file is staged (the upload gone), no row enriched before the start', async () => {
    const { id } = await submit(customersCsv({ rows: 30, seed: 31 }), 'start=false&pageSize=10');
    const waiting = await until(id, (job) => job.counts.total === 30, 'the staging');
    expect(waiting.progress).toMatchObject({ awaitingStart: true, paused: true });
    expect(waiting.counts.pending).toBe(30);
    expect(await readdir(join(fixture.blobDir, 'uploads')).catch(() => [])).toEqual([]);
    await sleep(300);
    expect((await getJob(id)).counts.pending).toBe(30);
    const started = await fixture.api().post(`/v1/jobs/${id}/start`).expect(200);
    expect(started.body.progress.awaitingStart).toBeUndefined();
    const done = await until(id, isFinal, 'the end');
    expect(done).toMatchObject({ status: 'COMPLETED', counts: { total: 30, pending: 0 } });
    const again = await fixture.api().post(`/v1/jobs/${id}/start`).expect(409);
    expect(again.body.message).toContain('already completed');
  });

  it('pauses a running job (no new page starts, pages in flight finish) and resumes it to completion', async () => {
    const { id } = await submit(customersCsv({ rows: 80, seed: 21 }), 'pageSize=10&windowSize=1');
    await until(id, (job) => answered(job) > 0, 'the first rows');

    const paused = await fixture.api().post(`/v1/jobs/${id}/pause`).expect(202);
    expect(paused.body).toMatchObject({ id, status: 'RUNNING', progress: { paused: true, etaSeconds: null, phase: 'enriching' } });

    const settled = await until(id, (job) => job.progress.pagesInFlight === 0, 'the page in flight to finish');
    await sleep(700);
    const later = await getJob(id);
    expect(later).toMatchObject({ status: 'RUNNING', progress: { paused: true, pagesInFlight: 0, nextRow: settled.progress.nextRow } });
    expect(later.counts).toEqual(settled.counts);
    expect(later.counts.pending).toBeGreaterThan(0);
    // Pages are whole: the rows handed out so far are all answered, the rest untouched.
    expect(answered(later)).toBe((settled.progress.nextRow ?? 0) - 1);

    // Pausing twice changes nothing.
    await fixture.api().post(`/v1/jobs/${id}/pause`).expect(202);
    const resumed = await fixture.api().post(`/v1/jobs/${id}/resume`).expect(200);
    expect(resumed.body.progress.paused).toBe(false);

    const done = await until(id, isFinal, 'the end');
    expect(done).toMatchObject({
      status: 'COMPLETED',
      counts: { total: 80, pending: 0, failed: 0 },
      progress: { paused: false, phase: 'completed', percent: 100, etaSeconds: 0 },
    });
    expect(answered(done)).toBe(80);
    // Recorded when the job ended (the workflow is gone): all 80 rows looked up, paid for in a fresh database.
    const { cacheHits = 0, providerCalls = 0, sharedCalls = 0 } = done.progress.lookups ?? {};
    expect(providerCalls).toBeGreaterThan(0);
    expect(cacheHits + providerCalls + sharedCalls).toBeGreaterThanOrEqual(80);
  });

  it('cancels a running job: CANCELLED, no row half-written, and 409 for any later control', async () => {
    const { id } = await submit(customersCsv({ rows: 200, seed: 22 }), 'pageSize=10&windowSize=2');
    await until(id, (job) => answered(job) > 0, 'the first rows');

    const accepted = await fixture.api().post(`/v1/jobs/${id}/cancel`).expect(202);
    expect(accepted.body.id).toBe(id);
    const cancelled = await until(id, isFinal, 'the cancellation');
    expect(cancelled).toMatchObject({ status: 'CANCELLED', error: 'cancelled by request', progress: { phase: 'cancelled', paused: false } });
    // Pages in flight stopped at a chunk boundary before the job said CANCELLED: nothing changes later.
    const rows = await allResults(id);
    await sleep(500);
    expect(await allResults(id)).toEqual(rows);
    expect(rows).toHaveLength(200);
    // No row of a finished job is left pending: the ones never reached say why.
    expect(rows.filter((r) => r.status === 'PENDING')).toEqual([]);
    const notReached = rows.filter((r) => r.status === 'FAILED');
    expect(notReached.length).toBeGreaterThan(0);
    expect(notReached.every((r) => r.lastError === 'not enriched: the job was cancelled' && r.fields.length === 0)).toBe(true);
    expectWhole(rows);

    for (const action of ['cancel', 'pause', 'resume']) {
      const res = await fixture.api().post(`/v1/jobs/${id}/${action}`).expect(409);
      expect(res.body).toMatchObject({ error: 'conflict', message: `job ${id} is already cancelled`, status: 'CANCELLED' });
    }
  });

  it('serves partial results and live progress while the job runs', async () => {
    const { id } = await submit(customersCsv({ rows: 120, seed: 23 }), 'pageSize=10&windowSize=1');
    const running = await until(id, (job) => answered(job) >= 10, 'a first page of rows');
    expect(running.status).toBe('RUNNING');
    expect(running.progress).toMatchObject({ total: 120, paused: false, phase: 'enriching' });
    expect(running.progress.done).toBe(answered(running));
    expect(running.progress.percent).toBeGreaterThan(0);
    expect(running.progress.percent).toBeLessThan(100);
    expect(running.progress.rowsPerSecond).toBeGreaterThan(0);
    expect(running.progress.etaSeconds).toBeGreaterThan(0);
    expect(running.progress.nextRow).toBeGreaterThan(1);

    const rows = await allResults(id);
    expect(rows.map((r) => r.rowNumber)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    const final = rows.filter((r) => r.status !== 'PENDING');
    expect(final.length).toBeGreaterThanOrEqual(10);
    expect(final.length).toBeLessThan(120);
    expectWhole(rows);
    expect(rows.every((r) => typeof r.input.email === 'string' && r.input.email.includes('@'))).toBe(true);

    const csv = await fixture.api().get(`/v1/jobs/${id}/results.csv`).buffer(true).expect(200);
    const records = parse(csv.text, { columns: true }) as Array<Record<string, string>>;
    expect(records).toHaveLength(120);
    expect(records.filter((r) => r['enriched.status'] !== 'PENDING').length).toBeGreaterThanOrEqual(final.length);

    expect(await until(id, isFinal, 'the end')).toMatchObject({ status: 'COMPLETED' });
  });

  it('exports every row as a streamed CSV that matches the results API', async () => {
    const csvIn = `${customersCsv({ rows: 18, seed: 24 })}C-bad,not-an-email,"Eve, ""the"" quoted",Doe,12345,Acme\n`;
    const { id } = await submit(csvIn, 'pageSize=5&windowSize=4');
    const job = await until(id, isFinal, 'the end');
    expect(job).toMatchObject({ status: 'COMPLETED', counts: { total: 19, quarantined: 1 } });

    const res = await fixture.api().get(`/v1/jobs/${id}/results.csv`).buffer(true).expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename=job-${id}-results.csv`);
    const header = res.text.slice(0, res.text.indexOf('\n')).split(',');
    // The input columns as written, then ours under the prefix.
    expect(header).toEqual([
      ...'customer_id,email,first_name,last_name,postal_code,company'.split(','),
      'enriched.row_number',
      'enriched.status',
      'enriched.error',
      ...DEMOGRAPHICS.flatMap((f) => [`enriched.${f}`, `enriched.${f}.provider`, `enriched.${f}.confidence`]),
    ]);

    const records = parse(res.text, { columns: true }) as Array<Record<string, string>>;
    const rows = await allResults(id);
    expect(records).toHaveLength(rows.length);
    expect(records.map((r) => Number(r['enriched.row_number']))).toEqual(rows.map((r) => r.rowNumber));
    for (const [i, row] of rows.entries()) {
      const record = records[i];
      expect({ status: record['enriched.status'], error: record['enriched.error'] }).toEqual({ status: row.status, error: row.lastError ?? '' });
      for (const field of DEMOGRAPHICS) {
        const enriched = row.fields.find((f) => f.field === field);
        expect([record[`enriched.${field}`], record[`enriched.${field}.provider`], record[`enriched.${field}.confidence`]]).toEqual(
          enriched ? [String(enriched.value), enriched.provider, String(enriched.confidence)] : ['', '', ''],
        );
      }
    }
    expect(records.at(-1)).toMatchObject({ 'enriched.status': 'QUARANTINED', first_name: 'Eve, "the" quoted', email: 'not-an-email' });
    expect(records.filter((r) => r['enriched.status'] === 'ENRICHED').length).toBeGreaterThan(0);
  });

  it('gives back every input cell of a messy file exactly, and neutralises formulas unless told not to', async () => {
    const messy = [
      ['E-Mail', 'phone', 'notes', 'Straße', 'notes'],
      ['ana@example.com', '+44 20 7946 0001', 'likes "quotes", commas', 'Hauptstraße 1', 'second notes column'],
      ['BOB@Exämple.DE', '(020) 7946 0002', 'two\r\nlines', 'Zoë', '=HYPERLINK("http://evil.example")'],
      ['not-an-email', '', '@SUM(A1:A2)', '-1', ' padded '],
      ['short@example.com', '555'],
    ];
    const csvIn = messy.map((cells) => cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join('\r\n') + '\r\n';
    const { id } = await submit(csvIn, 'fields=contact&mapping=%7B%22email%22%3A%22E-Mail%22%7D');
    await until(id, isFinal, 'the end');

    const kept = parse((await fixture.api().get(`/v1/jobs/${id}/results.csv?formulas=keep`).buffer(true).expect(200)).text) as string[][];
    expect(kept[0].slice(0, 5)).toEqual(messy[0]);
    for (const [i, cells] of messy.slice(1).entries()) {
      // Every cell as written, in its column; a short row is padded, never shifted.
      expect(kept[i + 1].slice(0, 5)).toEqual([...cells, ...Array(5 - cells.length).fill('')]);
    }
    // The enriched phone has a column of its own: the input phone is never replaced.
    expect(kept[0]).toContain('enriched.phone');

    const guarded = parse((await fixture.api().get(`/v1/jobs/${id}/results.csv`).buffer(true).expect(200)).text) as string[][];
    expect(guarded[1][1]).toBe("'+44 20 7946 0001");
    expect(guarded[2][4]).toBe('\'=HYPERLINK("http://evil.example")');
    expect(guarded[3].slice(2, 4)).toEqual(["'@SUM(A1:A2)", "'-1"]);

    const bom = await fixture
      .api()
      .get(`/v1/jobs/${id}/results.csv?bom=true`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect([...(bom.body as Buffer).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);

    const { body } = await fixture.api().get(`/v1/jobs/${id}/results`).expect(200);
    expect(body.columns).toEqual(messy[0]);
    expect(body.items[1].cells).toEqual(messy[2]);
    // An internationalised address is accepted and looked up in its ASCII form; its cell keeps it as written.
    expect(body.items[1]).toMatchObject({ status: expect.not.stringMatching(/QUARANTINED|FAILED/), input: { email: 'bob@xn--exmple-cua.de' } });
    expect(body.items[2]).toMatchObject({ status: 'QUARANTINED', lastError: 'line 5: email: is not a valid email address' });
  });

  it('exports a header alone for a job without rows, and 404s unknown jobs', async () => {
    const { id } = await submit('email,first_name\n', '');
    await until(id, isFinal, 'the end');
    const res = await fixture.api().get(`/v1/jobs/${id}/results.csv`).buffer(true).expect(200);
    expect(res.text.trim().split('\n')).toHaveLength(1);
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const [method, path] of [
      ['get', 'results.csv'],
      ['post', 'pause'],
      ['post', 'resume'],
      ['post', 'cancel'],
    ] as const) {
      const missing = await fixture.api()[method](`/v1/jobs/${unknown}/${path}`).expect(404);
      expect(missing.body.error).toBe('not_found');
    }
  });

  it('refuses tuning values out of range, naming the parameter', async () => {
    const res = await fixture.api().post('/v1/jobs?pageSize=0').set('content-type', 'text/csv').send('email\na@b.co\n').expect(400);
    expect(res.body).toMatchObject({ error: 'invalid_request', issues: [{ path: 'pageSize' }] });
    await fixture.api().post('/v1/jobs?windowSize=lots').set('content-type', 'text/csv').send('email\na@b.co\n').expect(400);
    const credits = await fixture.api().post('/v1/jobs?maxCredits=-5').set('content-type', 'text/csv').send('email\na@b.co\n').expect(400);
    expect(credits.body).toMatchObject({ error: 'invalid_request', issues: [{ path: 'maxCredits' }] });
  });

  it('pauses a job that spent its maxCredits, says what the rest would take, and resumes it only with more', async () => {
    const { id } = await submit(customersCsv({ rows: 60, seed: 31 }), 'pageSize=10&windowSize=1&maxCredits=15');
    const exhausted = await until(id, (job) => job.progress.phase === 'budget_exhausted', 'the credit budget to run out');
    expect(exhausted.status).toBe('RUNNING');
    expect(exhausted.progress).toMatchObject({ paused: true, credits: { max: 15 } });
    const credits = exhausted.progress.credits as { spent: number; toFinish: number };
    expect(credits.spent).toBeGreaterThanOrEqual(15);
    expect(credits.toFinish).toBeGreaterThan(0);
    expect(exhausted.progress.done).toBeLessThan(60);

    const refused = await fixture.api().post(`/v1/jobs/${id}/resume`).expect(409);
    expect(refused.body).toMatchObject({ error: 'credit_budget_exhausted' });
    expect(refused.body.message).toContain(`resume it with maxCredits above ${credits.spent}`);
    const bad = await fixture.api().post(`/v1/jobs/${id}/resume`).send({ maxCredits: 'lots' }).expect(400);
    expect(bad.body).toMatchObject({ error: 'invalid_request', issues: [{ path: 'maxCredits' }] });

    const resumed = await fixture.api().post(`/v1/jobs/${id}/resume`).send({ maxCredits: 10_000 }).expect(200);
    expect(resumed.body.progress).toMatchObject({ paused: false, credits: { max: 10_000 } });
    const done = await until(id, isFinal, 'the end');
    expect(done).toMatchObject({ status: 'COMPLETED', counts: { total: 60, pending: 0 } });
    // The rest of the rows were paid for after the resume (answers another job of this suite paid for come from the cache).
    expect(done.progress.lookups?.vendors?.demographics.credits).toBeGreaterThan(credits.spent / 2);
    expect(done.progress.lookups?.vendors?.demographics.calls).toBeGreaterThan(exhausted.progress.lookups?.vendors?.demographics.calls ?? 0);
  });

  it('documents the control and export routes', async () => {
    const doc = await fixture.api().get('/openapi.json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/v1/jobs/{id}/results.csv', '/v1/jobs/{id}/pause', '/v1/jobs/{id}/resume', '/v1/jobs/{id}/cancel']),
    );
    expect(Object.keys(doc.body.paths['/v1/jobs/{id}/cancel'].post.responses)).toEqual(expect.arrayContaining(['202', '404', '409']));
    expect(doc.body.components.schemas.JobProgress.required).toEqual(
      expect.arrayContaining(['done', 'total', 'percent', 'rowsPerSecond', 'etaSeconds', 'paused', 'phase']),
    );
  });

  describe('the enrich CLI', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'enrich-cli-'));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    async function cli(...args: string[]): Promise<string> {
      let stderr = '';
      const write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        stderr += String(chunk);
        return true;
      });
      try {
        const { port } = server.address() as AddressInfo;
        await buildCli()
          .exitOverride()
          .parseAsync(['--api', `http://127.0.0.1:${port}`, '--api-key', fixture.apiKey, ...args], { from: 'user' });
      } finally {
        write.mockRestore();
      }
      return stderr;
    }

    it('pauses, resumes and cancels a job, and exports it to a file', async () => {
      const { id } = await submit(customersCsv({ rows: 200, seed: 25 }), 'pageSize=10&windowSize=1');
      await until(id, (job) => answered(job) > 0, 'the first rows');
      expect(await cli('jobs', 'pause', id)).toBe(`job ${id}: RUNNING (paused)\n`);
      expect((await getJob(id)).progress.paused).toBe(true);
      expect(await cli('jobs', 'resume', id)).toBe(`job ${id}: RUNNING\n`);
      await cli('jobs', 'cancel', id);
      await until(id, isFinal, 'the cancellation');
      await expect(cli('jobs', 'cancel', id)).rejects.toThrow(`job ${id} is already cancelled`);

      const file = join(dir, 'out.csv');
      expect(await cli('jobs', 'export', id, '-o', file)).toBe(`wrote ${file}\n`);
      const http = await fixture.api().get(`/v1/jobs/${id}/results.csv`).buffer(true).expect(200);
      expect(await readFile(file, 'utf8')).toBe(http.text);
      expect(parse(http.text, { columns: true })).toHaveLength(200);
    });

    it('formats the ETA of the progress bar', () => {
      expect([formatEta(null), formatEta(0), formatEta(59), formatEta(61), formatEta(3_725)]).toEqual(['–', '0s', '59s', '1m 01s', '1h 02m']);
    });
  });
});
