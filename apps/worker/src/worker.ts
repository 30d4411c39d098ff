import { createActivitiesForDatabase, type ActivitiesForDatabaseOptions } from '@enrich/activities';
import type { CodecKit } from '@enrich/codec';
import type { PrismaClient } from '@enrich/db';
import { Client } from '@temporalio/client';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { WorkerConfig } from './config';

export interface EnrichmentWorkerOptions {
  config: Pick<WorkerConfig, 'temporal' | 'blobDir' | 'staging' | 'vendors'> &
    Partial<Pick<WorkerConfig, 'blobStore'>> & {
      /** The file's path is the config loader's concern; `vendors` is what it read. */
      providers: Omit<WorkerConfig['providers'], 'vendorsFile'>;
      /** The process-level memory settings (heap limit, malloc) are main.ts's concern, not the worker's. */
      worker: Pick<WorkerConfig['worker'], 'maxConcurrentActivities' | 'maxConcurrentWorkflowTasks' | 'maxCachedWorkflows' | 'workflowBundlePath'>;
      /** Absent: webhooks go to public addresses only. */
      webhooks?: WorkerConfig['webhooks'];
    };
  connection: NativeConnection;
  prisma: PrismaClient;
  /** Headers added to every provider call (API keys; `x-mock-knobs` in tests). */
  providerHeaders?: Record<string, string>;
  /** Payload codec (data converter) and field sealer, sharing one key cache. */
  codec: Pick<CodecKit, 'dataConverter' | 'sealer'>;
  /** Told of provider calls, cache lookups, budgets and rows written (the process's metrics). */
  observers?: ActivitiesForDatabaseOptions['observers'];
  /** Overrides for tests (e.g. bundling workflows from TypeScript sources). */
  overrides?: Partial<WorkerOptions>;
}

/** Where the workflow code is: a prebuilt bundle when configured, else the workflows package. */
function workflowSource(bundlePath: string | undefined): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  return bundlePath ? { workflowBundle: { codePath: bundlePath } } : { workflowsPath: require.resolve('@enrich/workflows') };
}

/** Creates the worker that hosts every workflow and activity of the platform on one task queue. */
export async function createEnrichmentWorker(options: EnrichmentWorkerOptions): Promise<Worker> {
  const { config, connection, prisma } = options;
  // Job events start their webhook deliveries' workflows through the worker's own connection.
  const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: options.codec.dataConverter });
  // Aborted as the worker's shutdown begins: running pages start no new row, write the rows in
  // flight and hand the rest over, so a shutdown ends in seconds and costs the job no stall.
  const draining = new AbortController();
  const activities = createActivitiesForDatabase({
    prisma,
    sealer: options.codec.sealer,
    blobDir: config.blobDir,
    blobStore: config.blobStore,
    draining: draining.signal,
    observers: options.observers,
    stagingBatchRows: config.staging.batchRows,
    webhooks: { dispatcher: { client, taskQueue: config.temporal.taskQueue }, allowPrivateUrls: config.webhooks?.allowPrivateUrls ?? false },
    providers: {
      baseUrl: config.providers.mockEnrichmentUrl,
      vendors: config.vendors,
      timeoutMs: config.providers.timeoutMs,
      concurrency: config.providers.concurrency,
      rateLimitPerSecond: config.providers.rateLimitPerSecond,
      maxInFlight: config.providers.maxInFlight,
      budgets: config.providers.budgets,
      cacheTtlMs: config.providers.cacheTtlMs,
      headers: options.providerHeaders,
    },
  });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities,
    ...workflowSource(config.worker.workflowBundlePath),
    maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: config.worker.maxConcurrentWorkflowTasks,
    // Explicit, not derived from the heap limit: the cache holds whole workflows in the workflow
    // thread's heap, and the default (about 600 per GB of heap) assumes a heap the worker does not have.
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
    // An activity learns of a cancellation from a heartbeat's answer, and the server of a dead
    // worker from missing heartbeats. Heartbeats are sent at most every 80 % of the heartbeat
    // timeout by default; 2 s lets a cancelled job stop its pages promptly and keeps a page's 6 s
    // heartbeat timeout three beats wide, for one small call per running activity every 2 s.
    maxHeartbeatThrottleInterval: '2 seconds',
    // SIGTERM: polling stops; pages finish their rows in flight and hand the rest over (see
    // `draining`), workflow tasks finish. What still runs after 20 s is cancelled, and the worker
    // gives up at 27 s so the process is gone within 30 s (a rolling deploy's usual grace).
    shutdownGraceTime: '20 seconds',
    shutdownForceTime: '27 seconds',
    dataConverter: options.codec.dataConverter,
    ...options.overrides,
  });
  // However the shutdown comes (SIGTERM or SIGINT through the Runtime, runUntil, a caller), the pages hear of it first.
  const shutdown = worker.shutdown.bind(worker);
  worker.shutdown = () => {
    draining.abort(new Error('the worker is shutting down'));
    shutdown();
  };
  return worker;
}
