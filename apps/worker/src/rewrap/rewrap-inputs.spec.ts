import { DataKeyCache, FieldSealer, LocalKeyProvider } from '@enrich/codec';
import { isSealed } from '@enrich/domain';
import { JobRepository } from '@enrich/db';
import { createTestDatabase, testEnv, type TestDatabase } from '@enrich/testing';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rewrapStoredInputs } from './rewrap-inputs';

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
});
