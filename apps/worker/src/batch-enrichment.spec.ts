import { FileBlobStore } from '@enrich/db';
import { createMetricsRegistry, type Registry } from '@enrich/http';
import { customersCsv, testEnv, uniqueTaskQueue, testCodec } from '@enrich/testing';
import type { BatchEnrichmentInput, BatchProgress, batchEnrichmentWorkflow } from '@enrich/workflows';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { lookupKey, PLATFORM_ADAPTERS } from '@enrich/providers';
import {
  type CustomerRecord,
  DEFAULT_CONFIDENCE_THRESHOLD,
  GROUP_FIELDS,
  isSealed,
  jobWorkflowId,
  openEnrichedFields,
  rowResearchWorkflowId,
} from '@enrich/domain';
import { temporal as temporal_api } from '@temporalio/proto';
import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Readable } from 'node:stream';
import { workerMetrics } from './metrics';
import { startEnrichmentWorker, type MockKnobs } from './test-support/enrichment-worker';
import { jobSuite } from './test-support/job-suite';

/**
 * The batch workflow on the run's real Temporal dev server, with the real activities, a fresh
 * PostgreSQL database and the mock-enrichment app over HTTP (knobs set per worker by header).
 */
describe('batchEnrichmentWorkflow', () => {
  const env = testEnv();
  const suite = jobSuite('enrich-blobs-');

  /** Stores `csv` as a job's upload and runs the workflow to completion on a fresh worker. */
  async function createJob(csv: string | Buffer): Promise<string> {
    const blobKey = `uploads/${Math.random().toString(36).slice(2)}.csv`;
    await new FileBlobStore(suite.blobDir).put(blobKey, Readable.from([Buffer.from(csv)]));
    return (await suite.jobs.create({ sourceName: 'test.csv', blobKey, fields: ['demographics'] })).id;
  }

  function startWorker(taskQueue: string, knobs?: MockKnobs, stagingBatchRows?: number, apiKey?: string, registry?: Registry) {
    return startEnrichmentWorker({
      connection: suite.temporal.nativeConnection,
      prisma: suite.db.prisma,
      taskQueue,
      blobDir: suite.blobDir,
      knobs,
      stagingBatchRows,
      apiKey,
      observers: registry ? workerMetrics(registry) : undefined,
    });
  }

  /** Stores `csv` as a job's upload and runs the workflow to completion on a fresh worker. */
  async function runJob(
    csv: string | Buffer,
    options: { knobs?: MockKnobs; workflow?: Partial<BatchEnrichmentInput>; apiKey?: string; metrics?: Registry } = {},
  ) {
    const jobId = await createJob(csv);
    const taskQueue = uniqueTaskQueue('batch');
    const worker = await startWorker(taskQueue, options.knobs, undefined, options.apiKey, options.metrics);
    const workflowId = jobWorkflowId(jobId);
    const outcome = await worker.runUntil(async () => {
      const handle = await suite.temporal.client.workflow.start<typeof batchEnrichmentWorkflow>('batchEnrichmentWorkflow', {
        workflowId,
        taskQueue,
        args: [{ jobId, fields: ['demographics'], ...options.workflow }],
      });
      try {
        const counts = await handle.result();
        const progress = await handle.query<BatchProgress>('progress');
        const description = await handle.describe();
        return { counts, progress, description, error: undefined };
      } catch (error) {
        return { counts: undefined, progress: undefined, description: undefined, error };
      }
    });
    return { jobId, ...outcome };
  }

  it('hands a page over when its worker shuts down mid-page: no duplicate result, no skipped row', async () => {
    const jobId = await createJob(customersCsv({ rows: 60, seed: 4242 }));
    const taskQueue = uniqueTaskQueue('crash');
    const knobs = { latencyMs: 120, jitterMs: 0, notFoundRate: 0 };
    const handle = await suite.temporal.client.workflow.start<typeof batchEnrichmentWorkflow>('batchEnrichmentWorkflow', {
      workflowId: jobWorkflowId(jobId),
      taskQueue,
      args: [{ jobId, fields: ['demographics'], pageSize: 60, windowSize: 1 }],
    });
    const first = await startWorker(taskQueue, knobs);
    await first.runUntil(async () => {
      // Let the one page commit a few chunks, then shut its worker down mid-page. The bound is
      // only there to end a broken run: on a loaded host the first chunk took over 6 s to land.
      for (let i = 0; i < 3000; i++) {
        const enriched = await suite.db.prisma.jobRow.count({ where: { jobId, status: 'ENRICHED' } });
        if (enriched >= 10) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('the page never got going');
    });
    const halfway = await suite.db.prisma.jobRow.count({ where: { jobId, status: 'ENRICHED' } });
    expect(halfway).toBeLessThan(60);

    const second = await startWorker(taskQueue, { ...knobs, latencyMs: 0 });
    const counts = await second.runUntil(handle.result());
    expect(counts).toMatchObject({ total: 60, enriched: 60, pending: 0, failed: 0 });
    expect(await suite.db.prisma.enrichmentResult.count({ where: { jobId } })).toBe(60 * 7);
    // Each row was written exactly once, and the page really ran twice.
    expect(await suite.db.prisma.jobRow.count({ where: { jobId, attempts: { not: 1 } } })).toBe(0);
    const history = await handle.fetchHistory();
    const attempts = (history.events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 1] : []));
    expect(Math.max(...attempts)).toBeGreaterThan(1);
  });

  it('stages, enriches and accounts for every row of a file', async () => {
    const csv = customersCsv({ rows: 23, seed: 7, eol: '\r\n' }) + 'C-bad-1,not-an-email,Eve,Doe,12345,Acme\r\nC-bad-2,short@example.com\r\n';
    // The second demographics vendor knows nobody here: rows the first does not know stay not found.
    const knobs = { notFoundRate: 0.2, latencyMs: 0, jitterMs: 0, providers: { 'people-data': { notFoundRate: 1 } } };
    const metrics = createMetricsRegistry('worker');
    const { jobId, counts, error } = await runJob(csv, { knobs, metrics });
    expect(error).toBeUndefined();
    expect(counts).toMatchObject({ total: 25, quarantined: 2, pending: 0, failed: 0 });
    // The worker's metrics saw the file staged once, its two bad lines quarantined.
    const exported = await metrics.metrics();
    expect(exported).toContain('enrich_rows_staged_total{status="pending",service="worker"} 23');
    expect(exported).toContain('enrich_rows_staged_total{status="quarantined",service="worker"} 2');
    expect((counts?.enriched ?? 0) + (counts?.notFound ?? 0)).toBe(23);
    expect(counts?.notFound).toBeGreaterThan(0);

    const job = await suite.jobs.get(jobId);
    expect(job).toMatchObject({ status: 'COMPLETED', counts });
    const rows = await suite.jobs.resultRows(jobId, 0, 100);
    expect(rows).toHaveLength(25);
    for (const row of rows.filter((r) => r.status === 'ENRICHED')) {
      expect(row.fields.map((f) => f.field).sort()).toEqual([
        'age_band',
        'education',
        'home_owner',
        'household_size',
        'income_band',
        'marital_status',
        'region',
      ]);
      expect(row.fields.every((f) => f.provider === 'mock-demographics' && f.confidence > 0 && f.confidence <= 1)).toBe(true);
    }
    expect(rows.find((r) => r.rowNumber === 24)).toMatchObject({ status: 'QUARANTINED', lastError: 'line 25: email: is not a valid email address' });
    expect(rows.find((r) => r.rowNumber === 25)).toMatchObject({ status: 'QUARANTINED', lastError: 'line 26: expected 6 columns, found 2' });
    expect(rows.filter((r) => r.status === 'NOT_FOUND').every((r) => r.fields.length === 0 && r.lastError === 'no record at demographics, people-data')).toBe(
      true,
    );
  });

  it('gives the same answers for the same file (deterministic provider, idempotent writes)', async () => {
    const csv = customersCsv({ rows: 8, seed: 3 });
    const first = await runJob(csv, { knobs: { latencyMs: 0, jitterMs: 0 } });
    const second = await runJob(csv, { knobs: { latencyMs: 0, jitterMs: 0 } });
    const values = async (jobId: string) =>
      (await suite.jobs.resultRows(jobId, 0, 100)).map((r) => [r.status, r.fields.map((f) => [f.field, f.value, f.confidence])]);
    expect(await values(second.jobId)).toEqual(await values(first.jobId));
  });

  it('retries 5xx with backoff until every row is enriched, with no duplicate result', async () => {
    const { jobId, counts, error } = await runJob(customersCsv({ rows: 30, seed: 11 }), {
      knobs: { failureRate: 0.3, notFoundRate: 0, latencyMs: 0, jitterMs: 0 },
    });
    expect(error).toBeUndefined();
    expect(counts).toMatchObject({ total: 30, enriched: 30, failed: 0, notFound: 0, pending: 0 });
    const results = await suite.db.prisma.enrichmentResult.count({ where: { jobId } });
    expect(results).toBe(30 * 7);
  });

  it('waits out 429 Retry-After instead of failing rows', async () => {
    const { counts, error } = await runJob(customersCsv({ rows: 12, seed: 5 }), {
      knobs: { rateLimitPerSecond: 4, notFoundRate: 0, latencyMs: 0, jitterMs: 0 },
    });
    expect(error).toBeUndefined();
    expect(counts).toMatchObject({ total: 12, enriched: 12, failed: 0 });
  });

  it('continues as new when the page cap is reached, carrying only its cursor and counters', async () => {
    const { counts, progress, description, error } = await runJob(customersCsv({ rows: 20, seed: 9 }), {
      knobs: { notFoundRate: 0, latencyMs: 0, jitterMs: 0 },
      workflow: { pageSize: 3, windowSize: 2, pagesPerRun: 2 },
    });
    expect(error).toBeUndefined();
    expect(counts).toMatchObject({ total: 20, enriched: 20 });
    // 7 pages of at most 3 rows, 2 pages per run: 4 runs.
    expect(progress).toMatchObject({ phase: 'completed', runs: 4, nextRow: 21 });
    expect(description?.runId).not.toBe(description?.raw.workflowExecutionInfo?.firstRunId);
  });

  describe('multi-vendor waterfall and lookup cache', () => {
    interface Answer {
      provider: string;
      confidence: number;
      attributes: Record<string, unknown>;
    }
    type Stats = Record<string, { ok: number; not_found: number; rate_limited: number; failed: number; invalid: number }>;

    /** What `provider` answers for `record` under `knobs`, asked directly (not under the worker's API key). */
    async function ask(provider: string, record: CustomerRecord, knobs: MockKnobs): Promise<Answer | undefined> {
      const spec = PLATFORM_ADAPTERS[provider];
      const body = spec.request(record);
      if (!body) return undefined;
      const res = await fetch(`${env.mockEnrichmentUrl}${spec.call(body).path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-mock-knobs': JSON.stringify(knobs) },
        body: JSON.stringify(body),
      });
      if (res.status === 404) return undefined;
      expect(res.status).toBe(200);
      return (await res.json()) as Answer;
    }

    async function stats(apiKey: string): Promise<Stats> {
      const res = await fetch(`${env.mockEnrichmentUrl}/admin/stats?api_key=${encodeURIComponent(apiKey)}`);
      return ((await res.json()) as { providers: Stats }).providers;
    }

    const calls = (counts: Stats[string]) => counts.ok + counts.not_found + counts.rate_limited + counts.failed + counts.invalid;
    const sure = (answer: Answer | undefined): answer is Answer => answer !== undefined && answer.confidence >= DEFAULT_CONFIDENCE_THRESHOLD;

    it('enriches a contact repeated in one job once, however the file spells it', async () => {
      // 30 contacts, then the same 30 again in other pages: email upper-cased, names padded.
      const people = Array.from({ length: 30 }, (_, i) => ({ email: `twice.${i}@example.com`, first: `Ann${i}`, last: `Lee${i}` }));
      const csv = [
        'email,first_name,last_name',
        ...people.map((p) => `${p.email},${p.first},${p.last}`),
        ...people.map((p) => `${p.email.toUpperCase()}, ${p.first} ,${p.last.toLowerCase()}`),
      ].join('\n');
      const knobs: MockKnobs = { latencyMs: 0, jitterMs: 0, notFoundRate: 0 };
      const apiKey = uniqueTaskQueue('duplicates');
      const { jobId, counts, progress, error } = await runJob(`${csv}\n`, { knobs, apiKey, workflow: { pageSize: 10, windowSize: 2 } });
      expect(error).toBeUndefined();
      expect(counts).toMatchObject({ total: 60, enriched: 60 });
      // One paid call per distinct contact; the repeats were served by the cache or shared a call.
      const paid = await stats(apiKey);
      expect(calls(paid['demographics'])).toBe(30);
      expect(calls(paid['people-data'])).toBe(0);
      expect(progress?.lookups).toMatchObject({ providerCalls: 30 });
      expect((progress?.lookups.cacheHits ?? 0) + (progress?.lookups.sharedCalls ?? 0)).toBe(30);
      // Each repeat carries its original's answer.
      const rows = await suite.jobs.resultRows(jobId, 0, 100);
      const answer = (rowNumber: number) => rows.find((r) => r.rowNumber === rowNumber)?.fields.map((f) => [f.field, f.value, f.provider]);
      for (let i = 1; i <= 30; i++) expect(answer(i + 30)).toEqual(answer(i));
    });

    it('asks the second vendor where the first has no record or is unsure, and a second job pays neither again', async () => {
      // Free-mail addresses and a company name, no person name or domain: the first vendors' weakest
      // keys, so they are sometimes below the threshold; they also miss 30 % of records, the second never.
      const people = Array.from({ length: 40 }, (_, i) => ({ email: `waterfall.${i}@gmail.com`, company: `Waterfall Works ${i}` }));
      const csv = `email,company\n${people.map((p) => `${p.email},${p.company}`).join('\n')}\n`;
      const knobs: MockKnobs = {
        latencyMs: 0,
        jitterMs: 0,
        notFoundRate: 0,
        providers: { demographics: { notFoundRate: 0.3 }, firmographics: { notFoundRate: 0.3 } },
      };
      const apiKey = uniqueTaskQueue('waterfall');
      const workflow = { fields: ['demographics', 'firmographics'] };

      const first = await runJob(csv, { knobs, apiKey, workflow });
      expect(first.error).toBeUndefined();
      expect(first.counts).toMatchObject({ total: 40, enriched: 40, notFound: 0, failed: 0, pending: 0 });
      const paid = await stats(apiKey);

      const rows = await suite.jobs.resultRows(first.jobId, 0, 100);
      const cases = { demographics: { sure: 0, unsure: 0, unknown: 0 }, firmographics: { sure: 0, unsure: 0, unknown: 0 } };
      for (const [index, person] of people.entries()) {
        const fields = new Map(rows[index].fields.map((f) => [f.field, f]));
        const expectFrom = (field: string, answer: Answer) =>
          expect(fields.get(field)).toMatchObject({
            provider: answer.provider,
            value: answer.attributes[field],
            confidence: answer.confidence,
            fromCache: false,
          });

        const [demographics, peopleData] = await Promise.all([ask('demographics', person, knobs), ask('people-data', person, knobs)]);
        cases.demographics[sure(demographics) ? 'sure' : demographics ? 'unsure' : 'unknown']++;
        for (const field of GROUP_FIELDS.demographics) expectFrom(field, sure(demographics) || !peopleData ? (demographics as Answer) : peopleData);

        const [firmographics, registry] = await Promise.all([ask('firmographics', person, knobs), ask('company-registry', person, knobs)]);
        cases.firmographics[sure(firmographics) ? 'sure' : firmographics ? 'unsure' : 'unknown']++;
        for (const field of GROUP_FIELDS.firmographics) {
          // The registry knows no revenue: an unsure first answer is still the best there is for it.
          const best = sure(firmographics) || !registry || !(field in registry.attributes) ? firmographics : registry;
          if (best) expectFrom(field, best);
          else expect(fields.has(field)).toBe(false);
        }
      }
      // Every way through each waterfall happened at least once.
      for (const group of Object.values(cases)) for (const count of Object.values(group)) expect(count).toBeGreaterThan(0);

      // Each contact was paid for once at the first vendor, and at the second only where the first fell short.
      expect(calls(paid['demographics'])).toBe(people.length);
      expect(calls(paid['firmographics'])).toBe(people.length);
      expect(paid['people-data']).toMatchObject({ ok: cases.demographics.unsure + cases.demographics.unknown, not_found: 0 });
      expect(paid['company-registry']).toMatchObject({ ok: cases.firmographics.unsure + cases.firmographics.unknown, not_found: 0 });
      // Every answer paid for is cached, not-found ones included: one entry per call.
      for (const provider of ['demographics', 'people-data', 'firmographics', 'company-registry']) {
        const keys = people.map((person) => lookupKey(provider, PLATFORM_ADAPTERS[provider].request(person) ?? {}));
        expect(await suite.db.prisma.lookupCache.count({ where: { provider, lookupKey: { in: keys } } })).toBe(calls(paid[provider]));
      }

      const second = await runJob(csv, { knobs, apiKey, workflow });
      expect(second.error).toBeUndefined();
      expect(second.counts).toEqual(first.counts);
      // Not one call more at any provider: the second job was served from the lookup cache alone.
      expect(await stats(apiKey)).toEqual(paid);
      // ...and the jobs' progress counted it: calls paid by the first, cache hits only in the second.
      const allCalls = Object.values(paid).reduce((sum, provider) => sum + calls(provider), 0);
      // Per vendor, the job's figures are the vendor's own: calls, records found, one credit a call.
      const vendors = Object.fromEntries(
        Object.entries(paid)
          .filter(([, counts]) => calls(counts) > 0)
          .map(([provider, counts]) => [provider, { calls: calls(counts), matches: counts.ok, credits: calls(counts) }]),
      );
      expect(first.progress?.lookups).toEqual({ cacheHits: 0, providerCalls: allCalls, sharedCalls: 0, vendors });
      expect(second.progress?.lookups).toEqual({ cacheHits: allCalls, providerCalls: 0, sharedCalls: 0 });
      const results = (jobId: string) => suite.db.prisma.enrichmentResult.findMany({ where: { jobId }, orderBy: [{ rowNumber: 'asc' }, { field: 'asc' }] });
      const [before, after] = await Promise.all([results(first.jobId), results(second.jobId)]);
      expect(after.length).toBe(before.length);
      expect(after.every((r) => r.fromCache)).toBe(true);
      expect(before.some((r) => r.fromCache)).toBe(false);
      const provenance = (r: (typeof before)[number]) => [r.rowNumber, r.field, r.provider, r.value, r.confidence];
      expect(after.map(provenance)).toEqual(before.map(provenance));
    });
  });

  it('runs the provider waterfall for every requested group, recording the provider of each field', async () => {
    const csv = 'email,first_name,last_name,company,domain\nada@acme-labs.com,Ada,Lovelace,Acme Labs,acme-labs.com\ngrace@gmail.com,Grace,Hopper,,\n';
    const { jobId, counts, error } = await runJob(csv, {
      knobs: { latencyMs: 0, jitterMs: 0, notFoundRate: 0 },
      workflow: { fields: ['demographics', 'firmographics', 'contact'] },
    });
    expect(error).toBeUndefined();
    expect(counts).toMatchObject({ total: 2, enriched: 2 });
    const [ada, grace] = await suite.jobs.resultRows(jobId, 0, 10);
    const providers = (row: typeof ada) => Object.fromEntries(row.fields.map((f) => [f.field, f.provider]));
    expect(providers(ada)).toMatchObject({
      age_band: 'mock-demographics',
      industry: 'mock-firmographics',
      founded_year: 'mock-firmographics',
      work_email: 'mock-email-finder',
      phone: 'mock-phone-finder',
    });
    // Personal values are stored sealed; the results open them.
    expect(isSealed(ada.fields.find((f) => f.field === 'work_email')?.value)).toBe(true);
    const opened = await openEnrichedFields(testCodec().sealer, ada.fields);
    expect(String(opened.find((f) => f.field === 'work_email')?.value)).toMatch(/@acme-labs\.com$/);
    // A free-mail address and no company: no firmographics or work email can be asked for.
    expect(Object.keys(providers(grace)).sort()).toEqual(
      ['age_band', 'education', 'home_owner', 'household_size', 'income_band', 'line_type', 'marital_status', 'phone', 'region'].sort(),
    );
  });

  it('researches rows on the web in child workflows when the web group is asked for', async () => {
    const csv = 'email,company,domain\nada@acme-labs.com,Acme Labs,acme-labs.com\ngrace@globex.io,Globex,globex.io\nnobody@gmail.com,,\n';
    const { jobId, counts, error } = await runJob(csv, {
      knobs: { latencyMs: 0, jitterMs: 0, notFoundRate: 0 },
      workflow: { fields: ['demographics', 'web'], researchWindowSize: 2 },
    });
    expect(error).toBeUndefined();
    expect(counts).toMatchObject({ total: 3, enriched: 3, pending: 0 });
    const rows = await suite.jobs.resultRows(jobId, 0, 10);
    for (const row of rows.slice(0, 2)) {
      const web = row.fields
        .filter((f) => f.provider === 'mock-extract')
        .map((f) => f.field)
        .sort();
      expect(web).toEqual(['company_description', 'headcount', 'linkedin_url']);
      expect(row.fields.some((f) => f.provider === 'mock-demographics' || f.provider === 'mock-people-data')).toBe(true);
    }
    expect(rows[2].fields.some((f) => f.provider === 'mock-extract')).toBe(false);
    const history = await suite.temporal.client.workflow.getHandle(jobWorkflowId(jobId)).fetchHistory();
    const children = (history.events ?? []).flatMap((e) =>
      e.startChildWorkflowExecutionInitiatedEventAttributes ? [e.startChildWorkflowExecutionInitiatedEventAttributes.workflowId] : [],
    );
    expect(children).toEqual([1, 2, 3].map((n) => rowResearchWorkflowId(jobWorkflowId(jobId), n)));
  });

  it('records unknown records as not found, never as failures or silence', async () => {
    const { jobId, counts } = await runJob(customersCsv({ rows: 5, seed: 2 }), { knobs: { notFoundRate: 1, latencyMs: 0, jitterMs: 0 } });
    expect(counts).toMatchObject({ total: 5, notFound: 5, enriched: 0, failed: 0 });
    expect(await suite.db.prisma.enrichmentResult.count({ where: { jobId } })).toBe(0);
  });

  it('completes a header-only file with no rows', async () => {
    const { jobId, counts, error } = await runJob('email,first_name\r\n');
    expect(error).toBeUndefined();
    expect(counts).toMatchObject({ total: 0 });
    expect(await suite.jobs.get(jobId)).toMatchObject({ status: 'COMPLETED' });
  });

  it('quarantines the line of an unterminated quote and enriches the rows after it', async () => {
    const csv = `email,first_name\n${Array.from({ length: 5 }, (_, i) => `u${i}@example.com,U${i}`).join('\n')}\nbroken@example.com,"Broken\nlast@example.com,Last\n`;
    const { jobId, counts, error } = await runJob(csv, { knobs: { notFoundRate: 0 } });
    expect(error).toBeUndefined();
    expect(counts).toMatchObject({ total: 7, enriched: 6, quarantined: 1, pending: 0 });
    const broken = await suite.db.prisma.jobRow.findFirst({ where: { jobId, status: 'QUARANTINED' } });
    expect(broken).toMatchObject({ rowNumber: 6, lineNumber: 7, lastError: 'line 7: a quoted field opened on this line is never closed' });
  });

  it('fails the job naming the line of a byte the file cannot hold, with no row left pending', async () => {
    const csv = Buffer.concat([Buffer.from('email,first_name\nok@example.com,Ok\nbad@example.com,'), Buffer.from([0xff]), Buffer.from('\n')]);
    const { jobId, error } = await runJob(csv);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const job = await suite.jobs.get(jobId);
    expect(job).toMatchObject({ status: 'FAILED', error: 'line 3: the file is not valid UTF-8 on this line' });
    expect(job?.counts.pending).toBe(0);
  });

  it('reports the rows quarantined before a fatal error, each with its line', async () => {
    const csv = Buffer.concat([
      Buffer.from('email,first_name\nok@example.com,Ok\nragged@example.com\nstray@example.com,"Stray\nalso@example.com,Also\nbad@example.com,'),
      Buffer.from([0xff]),
      Buffer.from('\n'),
    ]);
    const { jobId, error } = await runJob(csv);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(await suite.jobs.get(jobId)).toMatchObject({ status: 'FAILED', error: 'line 6: the file is not valid UTF-8 on this line' });
    const rows = await suite.db.prisma.jobRow.findMany({
      where: { jobId },
      orderBy: { rowNumber: 'asc' },
      select: { lineNumber: true, status: true, lastError: true },
    });
    expect(rows).toEqual([
      { lineNumber: 2, status: 'FAILED', lastError: 'not enriched: the job failed (line 6: the file is not valid UTF-8 on this line)' },
      { lineNumber: 3, status: 'QUARANTINED', lastError: 'line 3: expected 2 columns, found 1' },
      { lineNumber: 4, status: 'QUARANTINED', lastError: 'line 4: a quoted field opened on this line is never closed' },
      { lineNumber: 5, status: 'FAILED', lastError: 'not enriched: the job failed (line 6: the file is not valid UTF-8 on this line)' },
    ]);
  });

  describe('staging and enrichment side by side', () => {
    const knobs = { notFoundRate: 0, latencyMs: 0, jitterMs: 0 };
    const workflow = { pageSize: 50, windowSize: 4 };

    /** Event ids of a history, by what happened: staging's end, rows-staged signals, page schedules. */
    async function timeline(workflowId: string) {
      const history = await suite.temporal.client.workflow.getHandle(workflowId).fetchHistory();
      const events = history.events ?? [];
      const activityType = new Map<string, string>();
      for (const e of events) {
        const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
        if (name) activityType.set(String(e.eventId), name);
      }
      const ids = (pick: (e: temporal_api.api.history.v1.IHistoryEvent) => boolean) => events.filter(pick).map((e) => Number(e.eventId));
      const closedOf = (type: string) => (e: temporal_api.api.history.v1.IHistoryEvent) =>
        activityType.get(String(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? e.activityTaskFailedEventAttributes?.scheduledEventId)) === type;
      return {
        stagingOver: ids(closedOf('stageJob'))[0] ?? Infinity,
        signals: ids((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'rowsStaged'),
        pagesScheduled: ids((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'enrichPage'),
        pagesOver: ids(closedOf('enrichPage')),
        finishScheduled: ids((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'finishJob'),
      };
    }

    /**
     * Runs a job whose upload is a named pipe: staging reads `head` and then waits for the rest of
     * the file, which is written only once a page has been scheduled. So the test proves pages start
     * while the file is still being staged, with no race on timing.
     */
    async function runPipedJob(head: string, tail: string | Buffer) {
      const blobKey = `uploads/${Math.random().toString(36).slice(2)}.csv`;
      const path = join(suite.blobDir, blobKey);
      await mkdir(dirname(path), { recursive: true });
      execFileSync('mkfifo', [path]);
      const { id: jobId } = await suite.jobs.create({ sourceName: 'piped.csv', blobKey, fields: ['demographics'] });
      const workflowId = jobWorkflowId(jobId);
      const taskQueue = uniqueTaskQueue('batch');
      // Staging batches of one page: the first batch staged lets the first page start.
      const worker = await startWorker(taskQueue, knobs, workflow.pageSize);
      const outcome = await worker.runUntil(async () => {
        const handle = await suite.temporal.client.workflow.start<typeof batchEnrichmentWorkflow>('batchEnrichmentWorkflow', {
          workflowId,
          taskQueue,
          args: [{ jobId, fields: ['demographics'], ...workflow }],
        });
        const pipe = createWriteStream(path);
        pipe.write(head);
        const deadline = Date.now() + 30_000;
        while ((await timeline(workflowId)).pagesScheduled.length === 0 && Date.now() < deadline) await sleep(100);
        const whileStaging = await timeline(workflowId);
        pipe.end(tail);
        const error = await handle.result().then(
          () => undefined,
          (e: unknown) => e,
        );
        return { whileStaging, error };
      });
      return { jobId, ...outcome, after: await timeline(workflowId), job: await suite.jobs.get(jobId) };
    }

    const [header, ...lines] = customersCsv({ rows: 600, seed: 21 }).trimEnd().split('\n');
    const head = [header, ...lines.slice(0, 200)].join('\n') + '\n';

    it('starts pages on staged rows while the rest of the file is still being staged', async () => {
      const { jobId, whileStaging, error, after, job } = await runPipedJob(head, lines.slice(200).join('\n') + '\n');
      expect(whileStaging.pagesScheduled.length).toBeGreaterThan(0);
      expect(whileStaging.stagingOver).toBe(Infinity);
      expect(whileStaging.signals.length).toBeGreaterThan(0);
      expect(error).toBeUndefined();
      expect(job?.counts).toMatchObject({ total: 600, enriched: 600, pending: 0, failed: 0 });
      expect(after.pagesScheduled).toHaveLength(12);
      // Every row once: one result per field, every row enriched in its first attempt.
      expect(await suite.db.prisma.enrichmentResult.count({ where: { jobId } })).toBe(600 * 7);
      expect(await suite.db.prisma.jobRow.count({ where: { jobId, attempts: { not: 1 } } })).toBe(0);
    });

    it('fails the job at a bad line found after pages started, once the pages in flight are done', async () => {
      const { whileStaging, error, after, job } = await runPipedJob(
        head,
        Buffer.concat([Buffer.from('broken@example.com,'), Buffer.from([0xff]), Buffer.from('\n')]),
      );
      expect(whileStaging.pagesScheduled.length).toBeGreaterThan(0);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect(job?.status).toBe('FAILED');
      expect(job?.error).toBe('line 202: the file is not valid UTF-8 on this line');
      // No page starts after the failure, and every page started has finished before the job is failed.
      expect(after.pagesScheduled.every((id) => id < after.stagingOver)).toBe(true);
      expect(after.pagesOver).toHaveLength(after.pagesScheduled.length);
      expect(Math.max(...after.pagesOver)).toBeLessThan(after.finishScheduled[0]);
      // Rows enriched before the bad line keep their results; the other staged rows end FAILED with the reason.
      const enriched = after.pagesScheduled.length * workflow.pageSize;
      expect(job?.counts).toMatchObject({ total: 200, enriched, pending: 0, failed: 200 - enriched, notFound: 0 });
      if (enriched < 200) {
        const failed = await suite.db.prisma.jobRow.findFirst({ where: { jobId: job?.id, status: 'FAILED' } });
        expect(failed?.lastError).toBe('not enriched: the job failed (line 202: the file is not valid UTF-8 on this line)');
      }
    });
  });

  describe('data protection', () => {
    /**
     * Every payload in a history, found by shape (metadata + data) wherever it sits, except what
     * Temporal itself writes in the clear and never passes through a codec: the `patched()` marker
     * and the search attributes (they must stay indexable). Both hold patch ids, never job data.
     */
    function payloadEncodings(node: unknown, found: string[] = []): string[] {
      if (Array.isArray(node)) node.forEach((n) => payloadEncodings(n, found));
      else if (node && typeof node === 'object') {
        const record = node as Record<string, unknown>;
        const encoding = (record['metadata'] as Record<string, Uint8Array> | undefined)?.['encoding'];
        if (encoding && 'data' in record) found.push(Buffer.from(encoding).toString());
        for (const [key, value] of Object.entries(record)) {
          if (key !== 'patch-data' && key !== 'searchAttributes') payloadEncodings(value, found);
        }
      }
      return found;
    }

    async function rawHistory(workflowId: string): Promise<{ text: string; encodings: string[] }> {
      // A client WITHOUT the codec sees what anyone with access to the cluster sees.
      const raw = new Client({ connection: suite.temporal.client.connection, namespace: env.temporal.namespace });
      const history = await raw.workflow.getHandle(workflowId).fetchHistory();
      // The wire bytes hold every payload's data verbatim: plaintext anywhere would show up here.
      const text = Buffer.from(temporal_api.api.history.v1.History.encode(history).finish()).toString('latin1');
      return { text, encodings: payloadEncodings(history) };
    }

    it('keeps known emails, phones and names out of Temporal history and out of rows at rest', async () => {
      const marker = Math.random().toString(36).slice(2, 10);
      const people = Array.from({ length: 6 }, (_, i) => ({
        email: `private.${marker}.${i}@example.com`,
        phone: `+1-555-01${i}${i}-${marker.slice(0, 4)}`,
        name: `Zed${marker}${i}`,
      }));
      const csv = `email,phone,first_name\n${people.map((p) => `${p.email},${p.phone},${p.name}`).join('\n')}\nnot-an-email-${marker},+1-555-9999,Bad${marker}\n`;
      const { jobId, counts, error } = await runJob(csv, { knobs: { latencyMs: 0, jitterMs: 0, notFoundRate: 0 } });
      expect(error).toBeUndefined();
      expect(counts).toMatchObject({ total: 7, enriched: 6, quarantined: 1 });

      const { text, encodings } = await rawHistory(jobWorkflowId(jobId));
      expect(encodings.length).toBeGreaterThan(5);
      expect(new Set(encodings)).toEqual(new Set(['binary/encrypted']));
      const secrets = [marker, ...people.flatMap((p) => [p.email, p.phone, p.name])];
      expect(secrets.filter((secret) => text.includes(secret))).toEqual([]);

      const stored = await suite.db.prisma.$queryRaw<Array<{ input: string }>>`SELECT input::text AS input FROM job_row WHERE job_id = ${jobId}::uuid`;
      expect(stored).toHaveLength(7);
      for (const { input } of stored) {
        expect(input).not.toContain(marker);
        const parsed = JSON.parse(input) as Record<string, unknown>;
        expect(isSealed(parsed['email'])).toBe(true);
        expect(isSealed(parsed['phone'])).toBe(true);
        expect(isSealed(parsed['first_name'])).toBe(true);
      }
      const opened = await testCodec().sealer.openRecord(JSON.parse(stored[0].input) as Record<string, unknown>);
      expect(people.map((p) => p.email).concat(`not-an-email-${marker}`)).toContain(opened['email']);
    });

    it('encrypts failure messages too', async () => {
      const { jobId, error } = await runJob(Buffer.concat([Buffer.from('email,first_name\nok@example.com,Ok\nbad@example.com,'), Buffer.from([0xff])]));
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect((await suite.jobs.get(jobId))?.error).toMatch(/not valid UTF-8/);
      const { text } = await rawHistory(jobWorkflowId(jobId));
      expect(text.includes('not valid UTF-8')).toBe(false);
      expect(text.includes('Encoded failure')).toBe(true);
    });
  });
});
