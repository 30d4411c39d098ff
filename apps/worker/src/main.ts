import { exitWithHelpIfAsked, temporalConnectionOptions } from '@enrich/config';
import { createCodecKit } from '@enrich/codec';
import { createPrismaClient } from '@enrich/db';
import { DefaultLogger, NativeConnection, Runtime, type LogLevel } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { closeServer, createLogger, createMetricsRegistry, keyProviderCallsMetric, startOpsServer } from '@enrich/http';
import type pino from 'pino';
import { loadWorkerConfig, workerEnvSchema } from './config';
import { currentMemorySettings, memorySettingsWarnings } from './memory-settings';
import { workerMetrics } from './metrics';
import { createEnrichmentWorker } from './worker';

const PINO_LEVEL: Record<LogLevel, pino.Level> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

async function main(): Promise<void> {
  exitWithHelpIfAsked(
    'worker',
    'Temporal worker: runs every workflow and activity of the enrichment task queue (staging uploaded files, enriching pages through the data providers, web research, job bookkeeping) against PostgreSQL and the blob store. Start it with bash apps/worker/start.sh, which applies WORKER_MAX_HEAP_MB and GLIBC_TUNABLES.',
    workerEnvSchema,
  );
  const config = loadWorkerConfig();
  const logger = createLogger({ service: 'worker', level: config.logLevel });
  for (const warning of memorySettingsWarnings(config.worker, currentMemorySettings(config.worker.glibcTunables))) logger.warn(warning);
  Runtime.install({
    logger: new DefaultLogger('INFO', ({ level, message, meta }) => logger[PINO_LEVEL[level]]({ ...meta }, message)),
    // Core's own (Rust) logs go through the same structured logger instead of straight to stdout.
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      // Temporal's own worker metrics (slots, polls, latencies), on a port of their own when asked for.
      ...(config.ops.sdkMetricsPort ? { metrics: { prometheus: { bindAddress: `${config.ops.host}:${config.ops.sdkMetricsPort}` } } } : {}),
    },
  });
  const { temporal } = config;
  const connection = await NativeConnection.connect(temporalConnectionOptions(temporal));
  const prisma = createPrismaClient({
    ...config.database,
    onConnectionError: (error) => logger.warn({ err: error }, 'a PostgreSQL connection was dropped; the pool opens another'),
  });
  try {
    // A bundle prebuilt by the bundle-workflows target spares webpack at start.
    const prebuilt = join(__dirname, 'workflow-bundle.js');
    const workflowBundlePath = config.worker.workflowBundlePath ?? (existsSync(prebuilt) ? prebuilt : undefined);
    const codec = createCodecKit(config.codec, { namespace: temporal.namespace });
    const registry = createMetricsRegistry('worker');
    keyProviderCallsMetric(registry, codec.keys.providerCalls);
    const ops = await startOpsServer({
      ...config.ops,
      registry,
      checks: {
        postgres: () => prisma.$queryRaw`SELECT 1`,
        temporal: () => connection.healthService.check({}),
        keys: async () => codec.keys.provider.check?.(),
      },
    });
    const worker = await createEnrichmentWorker({
      config: { ...config, worker: { ...config.worker, workflowBundlePath } },
      connection,
      prisma,
      codec,
      observers: workerMetrics(registry),
    });
    logger.info(
      { taskQueue: temporal.taskQueue, namespace: temporal.namespace, address: temporal.address, workflowBundlePath, ops: ops.address() },
      'worker started',
    );
    try {
      // Worker.run returns once SIGINT/SIGTERM (installed by the Runtime) has drained in-flight tasks.
      await worker.run();
    } finally {
      await closeServer(ops);
    }
    logger.info('worker stopped');
  } finally {
    await prisma.$disconnect();
    await connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `worker failed to start: ${error.message}` : error);
  process.exit(1);
});
