import { JobRepository } from '@enrich/db';
import { jobWorkflowId, PERSONAL_CUSTOMER_FIELDS, rowResearchWorkflowId } from '@enrich/domain';
import { connectTemporal, createTestDatabase, testCodec, testEnv, uniqueTaskQueue, type TestDatabase } from '@enrich/testing';
import type { RowResearchInput, RowResearchResult, rowResearchWorkflow } from '@enrich/workflows';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startEnrichmentWorker } from './test-support/enrichment-worker';

const WEB_FIELDS = ['company_description', 'headcount', 'linkedin_url'];

/** The per-row research loop on the real dev server, with the mock's search, crawl and extract. */
describe('rowResearchWorkflow', () => {
  const env = testEnv();
  let temporal: TestWorkflowEnvironment;
  let db: TestDatabase;
  let jobs: JobRepository;
  let jobId: string;

  beforeAll(async () => {
    temporal = await connectTemporal(env);
    db = await createTestDatabase(env.databaseUrl, env.templateDatabase);
    jobs = new JobRepository(db.prisma);
    ({ id: jobId } = await jobs.create({ sourceName: 'web.csv', blobKey: 'uploads/web.csv', fields: ['web'] }));
    const rows = [
      { email: 'ada@acme-labs.com', company: 'Acme Labs', domain: 'acme-labs.com' },
      { email: 'grace@globex.io', company: 'Globex', domain: 'globex.io' },
      { email: 'nobody@gmail.com' },
    ];
    await jobs.insertRows(
      jobId,
      await Promise.all(
        rows.map(async (input, i) => ({
          rowNumber: i + 1,
          lineNumber: i + 2,
          status: 'PENDING' as const,
          input: await testCodec().sealer.sealRecord(
            input,
            PERSONAL_CUSTOMER_FIELDS.filter((f) => f === 'email'),
          ),
        })),
      ),
    );
  });
  afterAll(async () => {
    await db?.drop();
    await temporal?.teardown();
  });

  async function research(rowNumber: number, extra: Partial<RowResearchInput> = {}) {
    const taskQueue = uniqueTaskQueue('research');
    const worker = await startEnrichmentWorker({
      connection: temporal.nativeConnection,
      prisma: db.prisma,
      taskQueue,
      knobs: { latencyMs: 0, jitterMs: 0, notFoundRate: 0 },
      cacheTtlMs: 0,
    });
    return worker.runUntil(async () => {
      const handle = await temporal.client.workflow.start<typeof rowResearchWorkflow>('rowResearchWorkflow', {
        taskQueue,
        workflowId: `${rowResearchWorkflowId(jobWorkflowId(jobId), rowNumber)}-${taskQueue}`,
        args: [{ jobId, rowNumber, fields: WEB_FIELDS, ...extra }],
      });
      const result: RowResearchResult = await handle.result();
      const description = await handle.describe();
      return { result, continuedAsNew: description.runId !== description.raw.workflowExecutionInfo?.firstRunId };
    });
  }

  it('loops on feedback: a later round aims at what the first one missed, then stores every field', async () => {
    const { result, continuedAsNew } = await research(1);
    expect(result.missing).toEqual([]);
    expect(result.found.sort()).toEqual([...WEB_FIELDS].sort());
    expect(result.rounds).toBeGreaterThan(1);
    expect(continuedAsNew).toBe(true);
    const [row] = await jobs.resultRows(jobId, 0, 1);
    expect(row.status).toBe('ENRICHED');
    expect(row.fields.map((f) => [f.field, f.provider])).toEqual(WEB_FIELDS.sort().map((f) => [f, 'mock-extract']));
    expect(row.fields.every((f) => f.confidence >= 0.6)).toBe(true);
  });

  it('stops at its bound and keeps what it found', async () => {
    const { result, continuedAsNew } = await research(2, { maxRounds: 1, pagesPerSearch: 1 });
    expect(result.rounds).toBe(1);
    expect(result.missing.length).toBeGreaterThan(0);
    expect(continuedAsNew).toBe(false);
  });

  it('settles a row with nothing to research by as not found', async () => {
    const { result } = await research(3);
    expect(result).toEqual({ rounds: 0, found: [], missing: WEB_FIELDS });
    const rows = await jobs.resultRows(jobId, 2, 1);
    expect(rows[0]).toMatchObject({ rowNumber: 3, status: 'NOT_FOUND', lastError: 'nothing found on the web' });
  });
});
