import { FileBlobStore } from '@enrich/db';
import { type CustomerRecord, jobWorkflowId, type LookupStats } from '@enrich/domain';
import {
  ProviderConfigurationError,
  ProviderMalformedAnswerError,
  ProviderOutOfCreditsError,
  ProviderRateLimitedError,
  resolveVendorsConfig,
  VENDOR_ADAPTERS,
  VendorClient,
  type VendorsConfig,
  type VendorsFile,
} from '@enrich/providers';
import { testEnv, uniqueTaskQueue } from '@enrich/testing';
import type { WorkflowHandle } from '@temporalio/client';
import type { BatchEnrichmentInput, BatchProgress, batchEnrichmentWorkflow, ResumeOptions } from '@enrich/workflows';
import { Readable } from 'node:stream';
import { startEnrichmentWorker } from './test-support/enrichment-worker';
import { jobSuite } from './test-support/job-suite';

/** The key mock-enrichment's vendors accept (MOCK_VENDOR_API_KEY's default). */
const VENDOR_KEY = 'mock-vendor-key';
const VENDOR_KINDS = ['pdl-person', 'hunter-email-finder', 'clearbit-company'] as const;

const env = testEnv();

/** A contact every one of the three vendors can look up: an email at a company domain and a name. */
const contact = (i: number): CustomerRecord => ({
  email: `person.${i}@acme-${i % 6}.com`,
  first_name: `Ann${i}`,
  last_name: `Lee${i}`,
  company: `Acme ${i % 6}`,
});

/** Counters mock-enrichment keeps per vendor (calls received, answers by kind). */
type VendorCounters = Record<string, { calls: number; ok: number; not_found: number; billed: number }>;

async function vendorStats(): Promise<VendorCounters> {
  const res = await fetch(`${env.mockEnrichmentUrl}/admin/stats?api_key=${VENDOR_KEY}`);
  return ((await res.json()) as { vendors: VendorCounters }).vendors;
}

/**
 * The real-vendor adapters against mock-enrichment speaking each vendor's own wire format, over
 * HTTP: one by one, then a job of the worker through a waterfall of them.
 */
describe.each(VENDOR_KINDS)('the %s adapter over HTTP', (kind) => {
  const adapter = VENDOR_ADAPTERS[kind];
  /** A different knobs header per call keeps the mock's rate buckets (one per header value) to this test. */
  const client = (options: { apiKey?: string; knobs?: object; vendorKnobs?: object } = {}) =>
    new VendorClient({
      name: kind,
      adapter,
      baseUrl: env.mockEnrichmentUrl,
      apiKey: 'apiKey' in options ? options.apiKey : VENDOR_KEY,
      timeoutMs: 5_000,
      headers: {
        'x-mock-knobs': JSON.stringify({ latencyMs: 0, jitterMs: 0, notFoundRate: 0, ...options.knobs }),
        ...(options.vendorKnobs ? { 'x-mock-vendor-knobs': JSON.stringify(options.vendorKnobs) } : {}),
      },
    });

  it('finds a contact: platform fields with the confidence and provenance of the vendor', async () => {
    const result = await client().lookup(contact(1));
    expect(result.kind).toBe('found');
    if (result.kind !== 'found') return;
    expect(result.fields.length).toBeGreaterThan(0);
    for (const field of result.fields) {
      expect(adapter.fields).toContain(field.field);
      expect(field.provider).toBe(adapter.label);
      expect(field.confidence).toBeGreaterThan(0);
      expect(field.confidence).toBeLessThanOrEqual(1);
    }
  });

  it('reads no match as not found', async () => {
    await expect(client({ knobs: { notFoundRate: 1 } }).lookup(contact(2))).resolves.toEqual({ kind: 'not_found', provider: kind });
  });

  it('reads a wrong key, or none, as a configuration error', async () => {
    await expect(client({ apiKey: 'not-the-key' }).lookup(contact(3))).rejects.toBeInstanceOf(ProviderConfigurationError);
    await expect(client({ apiKey: undefined }).lookup(contact(3))).rejects.toBeInstanceOf(ProviderConfigurationError);
  });

  it('reads out of credits', async () => {
    await expect(client({ vendorKnobs: { outOfCredits: true } }).lookup(contact(4))).rejects.toBeInstanceOf(ProviderOutOfCreditsError);
  });

  it("reads the vendor's throttle with the wait it asks for", async () => {
    const throttled = client({ knobs: { rateLimitPerSecond: 0.2 + Math.random() / 1_000 } });
    const outcomes = await Promise.allSettled([1, 2, 3].map((i) => throttled.lookup(contact(10 + i))));
    const limited = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    expect(limited.length).toBeGreaterThan(0);
    for (const error of limited) {
      expect(error).toBeInstanceOf(ProviderRateLimitedError);
      expect((error as ProviderRateLimitedError).retryAfterMs).toBeGreaterThan(0);
    }
  });

  it('reads a malformed answer as such', async () => {
    for (const malformedKind of ['truncated', 'wrong_shape', 'html']) {
      await expect(client({ vendorKnobs: { malformedRate: 1, malformedKind } }).lookup(contact(5))).rejects.toBeInstanceOf(ProviderMalformedAnswerError);
    }
  });
});

describe('a job through a waterfall of real-vendor adapters', () => {
  const suite = jobSuite('enrich-vendors-');

  function vendors(pdlKey: string, pdlInFlight = 8): VendorsConfig {
    const file: VendorsFile = {
      vendors: {
        pdl: { adapter: 'pdl-person', baseUrl: env.mockEnrichmentUrl, apiKey: { env: 'PDL_KEY' }, cost: { perMatch: 1 }, budget: { maxInFlight: pdlInFlight } },
        hunter: { adapter: 'hunter-email-finder', baseUrl: env.mockEnrichmentUrl, apiKey: { env: 'VENDOR_KEY' }, cost: { perMatch: 0.5 } },
        clearbit: { adapter: 'clearbit-company', baseUrl: env.mockEnrichmentUrl, apiKey: { env: 'VENDOR_KEY' }, cost: { perCall: 0.25 } },
        demographics: { adapter: 'demographics' },
      },
      waterfall: { demographics: ['pdl', 'demographics'], firmographics: ['clearbit'], contact: ['hunter', 'pdl'] },
    };
    const result = resolveVendorsConfig(file, { env: { PDL_KEY: pdlKey, VENDOR_KEY }, readFile: () => '', platformBaseUrl: env.mockEnrichmentUrl });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    return result.config;
  }

  async function runJob(
    rows: CustomerRecord[],
    config: VendorsConfig,
    options: { fields?: string[]; workflow?: Partial<BatchEnrichmentInput>; during?: (handle: WorkflowHandle) => Promise<void> } = {},
  ) {
    const csv = ['email,first_name,last_name,company', ...rows.map((r) => [r.email, r.first_name, r.last_name, r.company].join(','))].join('\n') + '\n';
    const blobKey = `uploads/${Math.random().toString(36).slice(2)}.csv`;
    await new FileBlobStore(suite.blobDir).put(blobKey, Readable.from([Buffer.from(csv)]));
    const fields = options.fields ?? ['demographics', 'firmographics', 'contact'];
    const jobId = (await suite.jobs.create({ sourceName: 'vendors.csv', blobKey, fields })).id;
    const taskQueue = uniqueTaskQueue('vendors');
    const worker = await startEnrichmentWorker({
      connection: suite.temporal.nativeConnection,
      prisma: suite.db.prisma,
      taskQueue,
      blobDir: suite.blobDir,
      knobs: { latencyMs: 0, jitterMs: 0, notFoundRate: 0.1 },
      vendors: config,
      // Every answer is paid for here: a cache shared with other suites would hide calls.
      cacheTtlMs: 0,
    });
    return worker.runUntil(async () => {
      const handle = await suite.temporal.client.workflow.start<typeof batchEnrichmentWorkflow>('batchEnrichmentWorkflow', {
        workflowId: jobWorkflowId(jobId),
        taskQueue,
        args: [{ jobId, fields, pageSize: 10, windowSize: 2, ...options.workflow }],
      });
      await options.during?.(handle);
      const counts = await handle.result();
      const progress = await handle.query<BatchProgress>('progress');
      return { jobId, counts, lookups: progress.lookups };
    });
  }

  const delta = (after: VendorCounters, before: VendorCounters, kind: string) => (after[kind]?.calls ?? 0) - (before[kind]?.calls ?? 0);

  it('enriches each group from its vendors in order, and counts every call and credit as the vendors do', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => contact(100 + i));
    const before = await vendorStats();
    const { jobId, counts, lookups } = await runJob(rows, vendors(VENDOR_KEY));
    const after = await vendorStats();
    expect(counts).toMatchObject({ total: 30, pending: 0, failed: 0 });
    expect(counts.enriched).toBe(30);

    const results = await suite.jobs.resultRows(jobId, 0, 100);
    const providersOf = (field: string) => new Set(results.flatMap((r) => r.fields.filter((f) => f.field === field).map((f) => f.provider)));
    // PDL answers the age band; the rest of demographics comes from the next vendor of the waterfall.
    expect(providersOf('age_band')).toContain('peopledatalabs');
    expect([...providersOf('income_band')]).toEqual(['mock-demographics']);
    expect([...providersOf('industry')]).toEqual(['clearbit']);
    expect(providersOf('work_email')).toContain('hunter');

    // The job's figures are the vendors' own counts.
    const usage = lookups.vendors ?? {};
    expect(usage.pdl.calls).toBe(delta(after, before, 'pdl-person'));
    expect(usage.hunter.calls).toBe(delta(after, before, 'hunter-email-finder'));
    expect(usage.clearbit.calls).toBe(delta(after, before, 'clearbit-company'));
    // Billed as configured: Clearbit per answered call, Hunter and PDL per match.
    expect(usage.clearbit.credits).toBe(usage.clearbit.calls * 0.25);
    expect(usage.hunter.credits).toBe(usage.hunter.matches * 0.5);
    expect(usage.pdl.credits).toBe(usage.pdl.matches);
    expect(usage.demographics.calls).toBeGreaterThan(0);
  });

  it('stops calling a vendor whose key is refused, and the waterfall goes on without it', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => contact(200 + i));
    // One PDL call at a time: the first refusal is all it costs (no retry, no other call).
    const { jobId, counts, lookups } = await runJob(rows, vendors('a-revoked-key', 1));
    expect(counts).toMatchObject({ total: 30, enriched: 30, pending: 0, failed: 0 });
    const usage = lookups.vendors as NonNullable<LookupStats['vendors']>;
    expect(usage.pdl).toEqual({ calls: 1, matches: 0, credits: 0 });
    const results = await suite.jobs.resultRows(jobId, 0, 100);
    const ageBands = results.flatMap((r) => r.fields.filter((f) => f.field === 'age_band'));
    expect(ageBands.length).toBeGreaterThan(20);
    expect(ageBands.every((f) => f.provider === 'mock-demographics')).toBe(true);
  });

  it('pauses a job whose credits are spent, says what the rest would take, and resumes it with a higher budget', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => contact(300 + i));
    const file: VendorsFile = { vendors: { demographics: { adapter: 'demographics', cost: { perCall: 1 } } }, waterfall: { demographics: ['demographics'] } };
    const config = resolveVendorsConfig(file, { env: {}, readFile: () => '', platformBaseUrl: env.mockEnrichmentUrl });
    if (!config.ok) throw new Error(JSON.stringify(config.issues));
    let exhausted: BatchProgress | undefined;
    let refusal: unknown;
    const { counts, lookups } = await runJob(rows, config.config, {
      fields: ['demographics'],
      // One page of 10 rows at a time: 10 credits a page, so the third page crosses 25.
      workflow: { windowSize: 1, maxCredits: 25 },
      during: async (handle) => {
        for (let i = 0; i < 600 && exhausted?.phase !== 'budget_exhausted'; i++) {
          exhausted = await handle.query<BatchProgress>('progress');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        refusal = await handle.executeUpdate<BatchProgress, [ResumeOptions]>('resume', { args: [{}] }).catch((error: unknown) => error);
        await handle.executeUpdate<BatchProgress, [ResumeOptions]>('resume', { args: [{ maxCredits: 100 }] });
      },
    });
    expect(exhausted).toMatchObject({ phase: 'budget_exhausted', paused: true, nextRow: 31, credits: { max: 25, spent: 30, toFinish: 30 } });
    expect(String((refusal as Error & { cause?: Error }).cause?.message)).toContain('the job spent 30 of 25 credits: resume it with maxCredits above 30');
    expect(counts).toMatchObject({ total: 60, pending: 0, failed: 0 });
    expect(counts.enriched + counts.notFound).toBe(60);
    // One credit a call, found or not: every row paid for once, none twice across the pause.
    expect(lookups.vendors?.demographics).toEqual({ calls: 60, matches: counts.enriched, credits: 60 });
  });
});
