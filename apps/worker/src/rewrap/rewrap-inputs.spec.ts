import { DataKeyCache, FieldSealer, LocalKeyProvider } from '@enrich/codec';
import { type EnrichedField, isSealed, type Sealed, type StoredEnrichedField } from '@enrich/domain';
import { JobRepository, LookupCacheRepository, SealedValuesRepository } from '@enrich/db';
import { createTestDatabase, testEnv, type TestDatabase } from '@enrich/testing';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rewrapCachedAnswers, rewrapStoredInputs, rewrapStoredResults } from './rewrap-inputs';

/** Key rotation end to end on real PostgreSQL with the local key provider. */
describe('rewrapStoredInputs', () => {
  const env = testEnv();
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase(env.databaseUrl, env.templateDatabase);
    dir = await mkdtemp(join(tmpdir(), 'rewrap-'));
  });
  afterAll(async () => {
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const sealerOver = (keyFile: string) => new FieldSealer({ keys: new DataKeyCache(new LocalKeyProvider({ keyFile })), namespace: env.temporal.namespace });

  it('moves every sealed field to the new key, after which the old key is not needed', async () => {
    const keyFile = join(dir, 'keys.json');
    const oldSealer = sealerOver(keyFile);
    const jobs = new JobRepository(db.prisma);
    const { id } = await jobs.create({ sourceName: 'r.csv', blobKey: 'uploads/r.csv', fields: ['demographics'] });
    const records = Array.from({ length: 7 }, (_, i) => ({ email: `r${i}@example.com`, first_name: `R${i}`, customer_id: `C${i}` }));
    await jobs.insertRows(
      id,
      await Promise.all(
        records.map(async (r, i) => ({
          rowNumber: i + 1,
          lineNumber: i + 2,
          status: 'PENDING' as const,
          input: await oldSealer.sealRecord(r, ['email', 'first_name']),
        })),
      ),
    );
    const oldKid = ((await jobs.scanInputs(undefined, 1))[0].input['email'] as { kid: string }).kid;

    const newKid = await new LocalKeyProvider({ keyFile }).rotate();
    expect(newKid).not.toBe(oldKid);
    const sealer = sealerOver(keyFile);
    const progress: number[] = [];
    const dry = await rewrapStoredInputs({ jobs, sealer, batchSize: 3, dryRun: true });
    expect(dry).toEqual({ scanned: 7, rewrapped: 7 });
    expect(((await jobs.scanInputs(undefined, 1))[0].input['email'] as { kid: string }).kid).toBe(oldKid);

    const result = await rewrapStoredInputs({ jobs, sealer, batchSize: 3, onProgress: (p) => progress.push(p.scanned) });
    expect(result).toEqual({ scanned: 7, rewrapped: 7 });
    expect(progress).toEqual([3, 6, 7]);
    const rows = await jobs.scanInputs(undefined, 100);
    for (const row of rows) {
      expect(isSealed(row.input['email']) && row.input['email'].kid).toBe(newKid);
      expect(row.input['customer_id']).toMatch(/^C\d$/);
    }
    expect(await rewrapStoredInputs({ jobs, sealer, batchSize: 3 })).toEqual({ scanned: 7, rewrapped: 0 });

    // A key file holding only the new key opens everything: the old key can be retired.
    const file = JSON.parse(await readFile(keyFile, 'utf8')) as { keys: Array<{ id: string }>; current: string };
    const onlyNew = join(dir, 'only-new.json');
    await copyFile(keyFile, onlyNew);
    await writeFile(onlyNew, JSON.stringify({ ...file, keys: file.keys.filter((k) => k.id === newKid) }), { mode: 0o600 });
    const opened = await Promise.all(rows.map((row) => sealerOver(onlyNew).openRecord(row.input)));
    expect(opened.map((r) => r['email'])).toEqual(records.map((r) => r.email));
  });

  it('moves the personal enriched values of results and of the lookup cache to the new key, leaving plaintext alone', async () => {
    const keyFile = join(dir, 'enriched-keys.json');
    const oldSealer = sealerOver(keyFile);
    const jobs = new JobRepository(db.prisma);
    const values = new SealedValuesRepository(db.prisma);
    const cache = new LookupCacheRepository(db.prisma);
    const field = (name: string, value: EnrichedField['value']): EnrichedField => ({
      field: name,
      value,
      provider: 'p',
      confidence: 0.9,
      fetchedAt: '2026-01-01T00:00:00.000Z',
    });
    const sealValue = async (f: EnrichedField): Promise<StoredEnrichedField> => ({ ...f, value: await oldSealer.seal(f.value) });

    const { id } = await jobs.create({ sourceName: 'e.csv', blobKey: 'uploads/e.csv', fields: ['contact'] });
    await jobs.insertRows(
      id,
      Array.from({ length: 5 }, (_, i) => ({ rowNumber: i + 1, lineNumber: i + 2, status: 'PENDING' as const, input: { email: `e${i}@example.com` } })),
    );
    const emails = Array.from({ length: 5 }, (_, i) => `work${i}@acme.com`);
    await jobs.saveRowResults(
      id,
      await Promise.all(
        emails.map(async (email, i) => ({
          rowNumber: i + 1,
          status: 'ENRICHED' as const,
          // Row 5 was written before enriched values were sealed.
          fields: [i === 4 ? field('work_email', email) : await sealValue(field('work_email', email)), field('email_status', 'valid')],
        })),
      ),
    );
    await cache.putMany(
      'email-finder',
      await Promise.all(
        emails.map(async (email, i) => ({
          key: `k${i}`,
          found: true,
          fields: [await sealValue(field('work_email', email)), field('email_status', 'valid')],
          fetchedAt: new Date(),
        })),
      ),
      3_600_000,
    );
    await cache.putMany('demographics', [{ key: 'plain', found: true, fields: [field('region', 'US-West')], fetchedAt: new Date() }], 3_600_000);

    const newKid = await new LocalKeyProvider({ keyFile }).rotate();
    const sealer = sealerOver(keyFile);
    expect(await rewrapStoredResults({ values, sealer, batchSize: 3, dryRun: true })).toEqual({ scanned: 4, rewrapped: 4 });
    expect(await rewrapCachedAnswers({ values, sealer, batchSize: 3, dryRun: true })).toEqual({ scanned: 5, rewrapped: 5 });
    expect(await rewrapStoredResults({ values, sealer, batchSize: 3 })).toEqual({ scanned: 4, rewrapped: 4 });
    expect(await rewrapCachedAnswers({ values, sealer, batchSize: 3 })).toEqual({ scanned: 5, rewrapped: 5 });
    expect(await rewrapStoredResults({ values, sealer, batchSize: 3 })).toEqual({ scanned: 4, rewrapped: 0 });
    expect(await rewrapCachedAnswers({ values, sealer, batchSize: 3 })).toEqual({ scanned: 5, rewrapped: 0 });

    // Only the new key is needed to open them now.
    const file = JSON.parse(await readFile(keyFile, 'utf8')) as { keys: Array<{ id: string }>; current: string };
    const onlyNew = join(dir, 'enriched-only-new.json');
    await writeFile(onlyNew, JSON.stringify({ ...file, keys: file.keys.filter((k) => k.id === newKid) }), { mode: 0o600 });
    const reader = sealerOver(onlyNew);
    const rows = await jobs.resultRows(id, 0, 10);
    const opened = await Promise.all(
      rows.map(async (row) => {
        const workEmail = row.fields.find((f) => f.field === 'work_email')?.value;
        return isSealed(workEmail) ? (expect(workEmail.kid).toBe(newKid), await reader.open(workEmail as Sealed<string>)) : workEmail;
      }),
    );
    expect(opened).toEqual(emails);
    expect(rows.every((row) => row.fields.find((f) => f.field === 'email_status')?.value === 'valid')).toBe(true);
    const cached = await cache.getMany('email-finder', ['k0', 'k1', 'k2', 'k3', 'k4']);
    const cachedEmails = await Promise.all([...cached.values()].map((answer) => reader.open(answer.fields[0].value as Sealed<string>)));
    expect(cachedEmails.sort()).toEqual(emails);
    expect((await cache.getMany('demographics', ['plain'])).get('plain')?.fields).toEqual([field('region', 'US-West')]);
  });
});
