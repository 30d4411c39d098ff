import { createActivitiesForDatabase } from '@enrich/activities';
import type { PrismaClient } from '@enrich/db';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { testCodec, testEnv } from './test-environment';

export interface TestWorkerOptions {
  temporal: TestWorkflowEnvironment;
  taskQueue: string;
  prisma: PrismaClient;
  blobDir: string;
  /** Mock provider knobs for this worker's calls (sent as `x-mock-knobs`). */
  knobs?: Record<string, number>;
  concurrency?: number;
  /** First retry interval of webhook deliveries (default the workflow's 5 s): suites that make receivers fail shorten it. */
  webhookRetryInitialIntervalMs?: number;
}

/**
 * A real worker (the platform's workflows and real activities, talking to the run's
 * mock-enrichment app) for suites that drive the platform from outside, like the gateway's.
 * Workflows are bundled from the built workspace libs (`nx test` builds dependencies first).
 */
export async function createTestWorker(options: TestWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.temporal.nativeConnection,
    taskQueue: options.taskQueue,
    workflowsPath: require.resolve('@enrich/workflows'),
    dataConverter: testCodec().dataConverter,
    activities: createActivitiesForDatabase({
      prisma: options.prisma,
      sealer: testCodec().sealer,
      blobDir: options.blobDir,
      // The suites' webhook receivers listen on 127.0.0.1.
      webhooks: {
        dispatcher: { client: options.temporal.client, taskQueue: options.taskQueue, retryInitialIntervalMs: options.webhookRetryInitialIntervalMs },
        allowPrivateUrls: true,
      },
      providers: {
        baseUrl: testEnv().mockEnrichmentUrl,
        timeoutMs: 5_000,
        concurrency: options.concurrency ?? 4,
        headers: options.knobs ? { 'x-mock-knobs': JSON.stringify(options.knobs) } : undefined,
      },
    }),
  });
}
