import { exitWithHelpIfAsked, loadGatewayConfig, gatewayEnvSchema, temporalConnectionOptions } from '@enrich/config';
import { createCodecKit } from '@enrich/codec';
import { createPrismaClient, FileBlobStore, JobExportRepository, JobRepository } from '@enrich/db';
import { Client, Connection } from '@temporalio/client';
import { closeServer, listen, nextShutdownSignal } from '@enrich/http';
import pino from 'pino';
import { createGatewayApp } from './app';
import { JobsService } from './jobs/jobs.service';

async function main(): Promise<void> {
  exitWithHelpIfAsked(
    'api-gateway',
    'REST API under /v1 (OpenAPI at /openapi.json): takes CSV uploads into the blob store, records jobs in PostgreSQL and starts their Temporal workflows; serves progress, results and CSV exports, and pauses, resumes or cancels jobs.',
    gatewayEnvSchema,
  );
  const config = loadGatewayConfig();
  const logger = pino({ level: config.logLevel, base: { service: 'api-gateway' } });
  const { temporal } = config;
  const connection = await Connection.connect(temporalConnectionOptions(temporal));
  const prisma = createPrismaClient(config.database);
  try {
    const codec = createCodecKit(config.codec, { namespace: temporal.namespace });
    const jobs = new JobsService({
      jobs: new JobRepository(prisma),
      exports: new JobExportRepository(prisma),
      blobs: new FileBlobStore(config.blobDir),
      temporal: new Client({ connection, namespace: temporal.namespace, dataConverter: codec.dataConverter }),
      sealer: codec.sealer,
      taskQueue: temporal.taskQueue,
    });
    const server = await listen(
      createGatewayApp({ jobs, logger, maxUploadBytes: config.maxUploadBytes }),
      config.http.port,
      config.http.host,
      config.http.timeouts,
    );
    logger.info({ url: `http://${config.http.host}:${config.http.port}`, openapi: '/openapi.json' }, 'api-gateway listening');
    const signal = await nextShutdownSignal();
    logger.info({ signal }, 'shutting down');
    await closeServer(server);
  } finally {
    await prisma.$disconnect();
    await connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `api-gateway failed: ${error.message}` : error);
  process.exit(1);
});
