import type { PrismaClient } from '@enrich/db';
import type { VendorsConfig } from '@enrich/providers';
import { testCodec, testEnv } from '@enrich/testing';
import type { NativeConnection } from '@temporalio/worker';
import { createEnrichmentWorker } from '../worker';

/** Knobs of the mock providers (see mock-enrichment's `Knobs`). */
export interface ProviderKnobs {
  latencyMs?: number;
  jitterMs?: number;
  failureRate?: number;
  notFoundRate?: number;
  rateLimitPerSecond?: number;
}

/** The `x-mock-knobs` header: knobs for every provider, and under `providers` for single ones. */
export interface MockKnobs extends ProviderKnobs {
  providers?: Record<string, ProviderKnobs>;
}

/**
 * The production worker factory on the run's services: a task queue of its own, the run's codec,
 * and the mock providers' knobs sent with every call (with an API key when given, so the mock
 * counts this worker's calls on their own).
 */
export function startEnrichmentWorker(options: {
  connection: NativeConnection;
  prisma: PrismaClient;
  taskQueue: string;
  blobDir?: string;
  knobs?: MockKnobs;
  apiKey?: string;
  cacheTtlMs?: number;
  /** Rows per staging insert (and per rows-staged signal to the workflow). */
  stagingBatchRows?: number;
  /** Lookup vendors and their waterfall; default: the platform providers of the mock. */
  vendors?: VendorsConfig;
  /** Uploads in an S3 bucket instead of `blobDir`. */
  blobS3?: { bucket: string; prefix: string; endpoint?: string };
  /** What the worker's metrics are told (the real ones: `workerMetrics`). */
  observers?: Parameters<typeof createEnrichmentWorker>[0]['observers'];
}) {
  const env = testEnv();
  return createEnrichmentWorker({
    config: {
      temporal: { address: env.temporal.address, namespace: env.temporal.namespace, taskQueue: options.taskQueue },
      providers: {
        mockEnrichmentUrl: env.mockEnrichmentUrl,
        concurrency: 4,
        timeoutMs: 5_000,
        rateLimitPerSecond: 0,
        maxInFlight: 16,
        budgets: {},
        cacheTtlMs: options.cacheTtlMs ?? 3_600_000,
      },
      vendors: options.vendors,
      blobDir: options.blobDir ?? '/nonexistent',
      ...(options.blobS3 ? { blobStore: { dir: options.blobDir ?? '/nonexistent', s3: options.blobS3 } } : {}),
      staging: { batchRows: options.stagingBatchRows ?? 1_000 },
      worker: { maxConcurrentActivities: 10, maxConcurrentWorkflowTasks: 10, maxCachedWorkflows: 50, workflowBundlePath: undefined },
    },
    connection: options.connection,
    prisma: options.prisma,
    codec: testCodec(),
    observers: options.observers,
    providerHeaders: {
      ...(options.knobs ? { 'x-mock-knobs': JSON.stringify(options.knobs) } : {}),
      ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}),
    },
  });
}
