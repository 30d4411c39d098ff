import { JobRepository } from '@enrich/db';
import { connectTemporal, createTestDatabase, testEnv, type TestDatabase } from '@enrich/testing';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a suite of job tests runs on; set in its `beforeAll`. */
export interface JobSuite {
  temporal: TestWorkflowEnvironment;
  /** A database of the suite's own, cloned from the run's template. */
  db: TestDatabase;
  /** Where the suite's uploads go. */
  blobDir: string;
  jobs: JobRepository;
}

/**
 * Registers the `beforeAll`/`afterAll` of a suite of job tests: the run's Temporal server, a
 * database of its own and a blob folder (named from `prefix`), all removed afterwards.
 */
export function jobSuite(prefix: string): JobSuite {
  const env = testEnv();
  const suite = {} as JobSuite;
  beforeAll(async () => {
    suite.temporal = await connectTemporal(env);
    suite.db = await createTestDatabase(env.databaseUrl, env.templateDatabase);
    suite.blobDir = await mkdtemp(join(tmpdir(), prefix));
    suite.jobs = new JobRepository(suite.db.prisma);
  });
  afterAll(async () => {
    await suite.db?.drop();
    await suite.temporal?.teardown();
    if (suite.blobDir) await rm(suite.blobDir, { recursive: true, force: true });
  });
  return suite;
}
