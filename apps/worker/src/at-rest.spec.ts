import { lookupKey, PLATFORM_ADAPTERS } from '@enrich/providers';
import type { Payload } from '@temporalio/common';
import { FileBlobStore } from '@enrich/db';
import { type CustomerRecord, isSealed, jobWorkflowId, openEnrichedFields, PERSONAL_ENRICHED_FIELDS } from '@enrich/domain';
import { testCodec, uniqueTaskQueue } from '@enrich/testing';
import type { batchEnrichmentWorkflow } from '@enrich/workflows';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { startEnrichmentWorker } from './test-support/enrichment-worker';
import { jobSuite } from './test-support/job-suite';

/**
 * Personal data at rest: a job asking for contact and demographics fields runs through the real
 * worker (real Temporal, PostgreSQL and mock providers over HTTP), then every row of every table
 * of its database is read as text, the way `pg_dump` would see it. Neither the personal input
 * (emails, names, phones) nor the personal values the providers returned (work emails, phones) may
 * appear in it; they are read back only through the authorised path, opened.
 */
describe('personal data at rest', () => {
  const { sealer } = testCodec();
  const FIELDS = ['contact', 'demographics'];
  const knobs = { latencyMs: 0, jitterMs: 0, notFoundRate: 0 };
  const suite = jobSuite('enrich-at-rest-');

  async function runJob(csv: string): Promise<string> {
    const blobKey = `uploads/${Math.random().toString(36).slice(2)}.csv`;
    await new FileBlobStore(suite.blobDir).put(blobKey, Readable.from([Buffer.from(csv)]));
    const { id: jobId } = await suite.jobs.create({ sourceName: 'people.csv', blobKey, fields: FIELDS });
    const taskQueue = uniqueTaskQueue('at-rest');
    const worker = await startEnrichmentWorker({
      connection: suite.temporal.nativeConnection,
      prisma: suite.db.prisma,
      taskQueue,
      blobDir: suite.blobDir,
      knobs,
    });
    await worker.runUntil(
      suite.temporal.client.workflow.execute<typeof batchEnrichmentWorkflow>('batchEnrichmentWorkflow', {
        workflowId: jobWorkflowId(jobId),
        taskQueue,
        args: [{ jobId, fields: FIELDS }],
      }),
    );
    return jobId;
  }

  /** Every row of every table of the public schema, as PostgreSQL prints it: what a dump of the database holds. */
  async function dumpDatabase(): Promise<{ text: string; rows: Record<string, number> }> {
    const tables = await suite.db.prisma.$queryRaw<Array<{ name: string }>>`
      SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`;
    const lines: string[] = [];
    const rows: Record<string, number> = {};
    for (const { name } of tables) {
      const dumped = await suite.db.prisma.$queryRawUnsafe<Array<{ row: string }>>(`SELECT t::text AS row FROM "${name.replace(/"/g, '""')}" AS t`);
      rows[name] = dumped.length;
      lines.push(...dumped.map((r) => `${name}\t${r.row}`));
    }
    return { text: lines.join('\n'), rows };
  }

  /** The data of every payload of a job's history, decoded with the codec: what the workflow code itself was handed. */
  async function decodedHistory(workflowId: string): Promise<string> {
    const history = await suite.temporal.client.workflow.getHandle(workflowId).fetchHistory();
    const payloads: Payload[] = [];
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (node && typeof node === 'object') {
        const record = node as Record<string, unknown>;
        if (record['metadata'] && record['data'] instanceof Uint8Array) payloads.push(record as Payload);
        else Object.values(record).forEach(collect);
      }
    };
    collect(history.events);
    const decoded = await testCodec().codec.decode(payloads);
    return decoded.map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8')).join('\n');
  }

  /** The job's enriched values, read the authorised way: through the results rows, opened. */
  async function openedResults(jobId: string) {
    const rows = await suite.jobs.resultRows(jobId, 0, 1_000);
    return Promise.all(rows.map(async (row) => ({ ...row, input: await sealer.openRecord(row.input), fields: await openEnrichedFields(sealer, row.fields) })));
  }

  const marker = Math.random().toString(36).slice(2, 10);
  const people = Array.from({ length: 6 }, (_, i) => ({
    email: `private.${marker}.${i}@example.com`,
    first: `Zed${marker}${i}`,
    last: `Quill${marker}${i}`,
    phone: `+1-555-01${i}${i}-${marker.slice(0, 4)}`,
  }));
  // The company and its domain are not personal: they stay open, so they carry no marker.
  const csv = [
    'email,first_name,last_name,phone,company,domain',
    ...people.map((p) => `${p.email},${p.first},${p.last},${p.phone},Acme Widgets,acme-widgets.example`),
    `not-an-email-${marker},Bad${marker},Row${marker},+1-555-9999-${marker.slice(0, 4)},Acme Widgets,acme-widgets.example`,
    '',
  ].join('\n');

  it('keeps the personal input and the personal values providers returned out of every table, and opens them for the results', async () => {
    const jobId = await runJob(csv);
    expect(await suite.jobs.counts(jobId)).toMatchObject({ total: 7, enriched: 6, quarantined: 1, pending: 0 });

    const results = await openedResults(jobId);
    const enriched = results.filter((r) => r.status === 'ENRICHED');
    expect(enriched.map((r) => r.input['email'])).toEqual(people.map((p) => p.email));
    const value = (row: (typeof enriched)[number], field: string) => row.fields.find((f) => f.field === field)?.value;
    const workEmails = enriched.map((r) => value(r, 'work_email'));
    const phones = enriched.map((r) => value(r, 'phone'));
    // The providers answered every person: work emails at the company's domain, fictional E.164 phones.
    expect(workEmails.every((v) => typeof v === 'string' && v.endsWith('@acme-widgets.example') && v.includes(marker))).toBe(true);
    expect(phones.every((v) => typeof v === 'string' && /^\+[1-9]\d{7,14}$/.test(v))).toBe(true);
    expect(enriched.every((r) => typeof value(r, 'age_band') === 'string' && typeof value(r, 'email_status') === 'string')).toBe(true);

    const { text, rows } = await dumpDatabase();
    // The dump holds the job, its rows, their results and the provider answers cached.
    expect(rows).toMatchObject({ job: 1, job_row: 7 });
    expect(rows['enrichment_result']).toBeGreaterThanOrEqual(6 * 11);
    expect(rows['lookup_cache']).toBeGreaterThanOrEqual(6 * 3);
    expect(text).toContain(jobId);
    expect(text).toContain('acme-widgets.example');
    const secrets = [
      marker,
      ...people.flatMap((p) => [p.email, p.first, p.last, p.phone]),
      ...(workEmails as string[]),
      ...(phones as string[]),
      // As providers and mails would spell them too.
      ...(phones as string[]).map((p) => p.slice(1)),
    ];
    expect(secrets.filter((secret) => text.includes(secret))).toEqual([]);
    // Nor is the upload left in the blob store once its rows are staged (sealed).
    const blobs = await readdir(suite.blobDir, { recursive: true, withFileTypes: true });
    const files = blobs.filter((entry) => entry.isFile());
    const blobText = (await Promise.all(files.map((entry) => readFile(join(entry.parentPath, entry.name), 'latin1')))).join('\n');
    expect(files.map((entry) => entry.name)).toEqual([]);
    expect(secrets.filter((secret) => blobText.includes(secret))).toEqual([]);

    // Stored sealed, in the results and in the lookup cache; the rest of the answers stays open.
    const stored = await suite.db.prisma.enrichmentResult.findMany({ where: { jobId } });
    const personal = stored.filter((r) => (PERSONAL_ENRICHED_FIELDS as readonly string[]).includes(r.field));
    expect(personal).toHaveLength(12);
    expect(personal.every((r) => isSealed(r.value))).toBe(true);
    expect(stored.filter((r) => r.field === 'email_status').every((r) => typeof r.value === 'string')).toBe(true);
    for (const provider of ['email-finder', 'phone-finder']) {
      const keys = people.map((p) => lookupKey(provider, PLATFORM_ADAPTERS[provider].request(record(p)) ?? {}));
      const cached = await suite.db.prisma.lookupCache.findMany({ where: { provider, lookupKey: { in: keys } } });
      expect(cached).toHaveLength(6);
      for (const entry of cached) {
        const fields = entry.fields as Array<{ field: string; value: unknown }>;
        expect(fields.filter((f) => (PERSONAL_ENRICHED_FIELDS as readonly string[]).includes(f.field)).every((f) => isSealed(f.value))).toBe(true);
      }
    }

    // What the workflow code was handed (its history, decoded) holds none of them in plaintext either.
    const history = await decodedHistory(jobWorkflowId(jobId));
    expect(history).toContain(jobId);
    expect(secrets.filter((secret) => history.includes(secret))).toEqual([]);
  });

  it('serves a second job from the lookup cache with the values still sealed end to end', async () => {
    const first = await openedResults(await runJob(csv));
    const secondId = await runJob(csv);
    const second = await openedResults(secondId);
    const answers = (rows: typeof first) => rows.map((r) => r.fields.map((f) => [f.field, f.value, f.provider]));
    expect(answers(second)).toEqual(answers(first));
    const personal = await suite.db.prisma.enrichmentResult.findMany({ where: { jobId: secondId, field: { in: [...PERSONAL_ENRICHED_FIELDS] } } });
    expect(personal).toHaveLength(12);
    expect(personal.every((r) => r.fromCache && isSealed(r.value))).toBe(true);
    const { text } = await dumpDatabase();
    const values = first.flatMap((r) => r.fields.filter((f) => (PERSONAL_ENRICHED_FIELDS as readonly string[]).includes(f.field)).map((f) => String(f.value)));
    expect(values).toHaveLength(12);
    expect(values.filter((v) => text.includes(v))).toEqual([]);
  });

  it('reads and reseals answers cached in plaintext before values were sealed', async () => {
    const person = { email: `legacy.${marker}@example.com`, first: `Old${marker}`, last: `Timer${marker}`, phone: '', company: 'Acme Widgets' };
    const key = lookupKey('email-finder', PLATFORM_ADAPTERS['email-finder'].request(record(person)) ?? {});
    const legacyEmail = `old.timer.${marker}@acme-widgets.example`;
    const fetchedAt = new Date();
    await suite.db.prisma.lookupCache.create({
      data: {
        provider: 'email-finder',
        lookupKey: key,
        found: true,
        fields: [
          { field: 'work_email', value: legacyEmail, provider: 'mock-email-finder', confidence: 0.95, fetchedAt: fetchedAt.toISOString() },
          { field: 'email_status', value: 'valid', provider: 'mock-email-finder', confidence: 0.95, fetchedAt: fetchedAt.toISOString() },
        ],
        fetchedAt,
        expiresAt: new Date(fetchedAt.getTime() + 3_600_000),
      },
    });
    const jobId = await runJob(`email,first_name,last_name,company,domain\n${person.email},${person.first},${person.last},Acme Widgets,acme-widgets.example\n`);
    const [row] = await openedResults(jobId);
    expect(row.fields.find((f) => f.field === 'work_email')).toMatchObject({ value: legacyEmail, provider: 'mock-email-finder', fromCache: true });
    const stored = await suite.db.prisma.enrichmentResult.findUnique({ where: { jobId_rowNumber_field: { jobId, rowNumber: 1, field: 'work_email' } } });
    expect(isSealed(stored?.value)).toBe(true);
  });
});

function record(person: { email: string; first: string; last: string; phone?: string }): CustomerRecord {
  return { email: person.email, first_name: person.first, last_name: person.last, company: 'Acme Widgets', domain: 'acme-widgets.example' };
}
