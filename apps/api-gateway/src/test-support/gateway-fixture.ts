import { FileBlobStore, JobExportRepository, JobRepository } from '@enrich/db';
import { listen } from '@enrich/http';
import { connectTemporal, createTestDatabase, createTestWorker, testCodec, testEnv, uniqueTaskQueue, type TestDatabase } from '@enrich/testing';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createGatewayApp } from '../app';
import { JobsService } from '../jobs/jobs.service';

export interface GatewayFixture {
  server: Server;
  db: TestDatabase;
  blobDir: string;
  temporal: TestWorkflowEnvironment;
  close(): Promise<void>;
}

/**
 * The gateway listening on port 0 over a fresh database, the run's Temporal dev server, and a real
 * worker (its provider calls shaped by `knobs`) on a task queue of its own.
 */
export async function startGateway(options: { knobs: Record<string, number>; maxUploadBytes: number; exportPageSize?: number }): Promise<GatewayFixture> {
  const env = testEnv();
  const temporal = await connectTemporal(env);
  const db = await createTestDatabase(env.databaseUrl, env.templateDatabase);
  const blobDir = await mkdtemp(join(tmpdir(), 'gateway-blobs-'));
  const taskQueue = uniqueTaskQueue('gateway');
  const worker = await createTestWorker({ temporal, taskQueue, prisma: db.prisma, blobDir, knobs: options.knobs });
  const workerRun = worker.run();
  const jobs = new JobsService({
    jobs: new JobRepository(db.prisma),
    exports: new JobExportRepository(db.prisma),
    ...(options.exportPageSize ? { exportPageSize: options.exportPageSize } : {}),
    blobs: new FileBlobStore(blobDir),
    temporal: temporal.client,
    taskQueue,
    sealer: testCodec().sealer,
  });
  // The production defaults of the timeouts (HTTP_*_TIMEOUT_S).
  const server = await listen(createGatewayApp({ jobs, logger: pino({ level: 'silent' }), maxUploadBytes: options.maxUploadBytes }), 0, '127.0.0.1', {
    headersMs: 20_000,
    requestMs: 1_800_000,
    idleMs: 60_000,
  });
  return {
    server,
    db,
    blobDir,
    temporal,
    async close() {
      server.close();
      worker.shutdown();
      await workerRun;
      await db.drop();
      await temporal.teardown();
      await rm(blobDir, { recursive: true, force: true });
    },
  };
}
