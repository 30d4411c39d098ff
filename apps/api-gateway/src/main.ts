import { exitWithHelpIfAsked, temporalConnectionOptions } from '@enrich/config';
import { createCodecKit } from '@enrich/codec';
import {
  ApiKeyRepository,
  createPrismaClient,
  createBlobStore,
  JobExportRepository,
  JobRepository,
  PaymentEventRepository,
  PushRequestRepository,
  RateLimitRepository,
  IdempotencyRepository,
  TenantRepository,
  WebhookRepository,
  ProviderCallRepository,
} from '@enrich/db';
import { Client, Connection } from '@temporalio/client';
import { BearerAuthenticator, closeServer, createLogger, createMetricsRegistry, keyProviderCallsMetric, listen, nextShutdownSignal } from '@enrich/http';
import { createGatewayApp } from './app';
import { ApiKeyVerifier } from './auth/api-key.verifier';
import { jwtPrincipals } from './auth/jwt.verifier';
import type { Principal } from './auth/principal';
import { gatewayEnvSchema, loadGatewayConfig } from './config';
import { JobsService } from './jobs/jobs.service';
import { PushRequestsService } from './requests/push-requests.service';
import { PaymentsService } from './payments/payments.service';
import { paymentQuarantineMetric } from './payments/quarantine-metric';
import { WebhooksService } from './webhooks/webhooks.service';

/** The realm of the gateway's `WWW-Authenticate` challenges. */
const REALM = 'enrich';

async function main(): Promise<void> {
  exitWithHelpIfAsked(
    'api-gateway',
    'REST API under /v1 (OpenAPI at /openapi.json): takes CSV uploads into the blob store, records jobs in PostgreSQL and starts their Temporal workflows; serves progress, results and CSV exports, and pauses, resumes or cancels jobs.',
    gatewayEnvSchema,
  );
  const config = loadGatewayConfig();
  const logger = createLogger({ service: 'api-gateway', level: config.logLevel });
  const { temporal } = config;
  const connection = await Connection.connect(temporalConnectionOptions(temporal));
  const prisma = createPrismaClient({
    ...config.database,
    onConnectionError: (error) => logger.warn({ err: error }, 'a PostgreSQL connection was dropped; the pool opens another'),
  });
  try {
    const codec = createCodecKit(config.codec, { namespace: temporal.namespace });
    const metrics = createMetricsRegistry('api-gateway');
    keyProviderCallsMetric(metrics, codec.keys.providerCalls);
    const temporalClient = new Client({ connection, namespace: temporal.namespace, dataConverter: codec.dataConverter });
    const jobs = new JobsService({
      jobs: new JobRepository(prisma),
      providerCalls: new ProviderCallRepository(prisma),
      exports: new JobExportRepository(prisma),
      blobs: createBlobStore(config.blobStore),
      temporal: temporalClient,
      sealer: codec.sealer,
      taskQueue: temporal.taskQueue,
    });
    const pushRequests = new PushRequestsService({
      pushRequests: new PushRequestRepository(prisma),
      jobs: new JobRepository(prisma),
      providerCalls: new ProviderCallRepository(prisma),
      temporal: temporalClient,
      taskQueue: temporal.taskQueue,
      sealer: codec.sealer,
      idleCloseSeconds: config.pushIdleCloseSeconds,
    });
    const webhooks = new WebhooksService({
      webhooks: new WebhookRepository(prisma),
      sealer: codec.sealer,
      temporal: temporalClient,
      taskQueue: temporal.taskQueue,
      allowPrivateUrls: config.webhooks.allowPrivateUrls,
    });
    const paymentEvents = new PaymentEventRepository(prisma);
    paymentQuarantineMetric(metrics, paymentEvents);
    // Payment events belong to no tenant: their review desk is served only when the operators' tenant is named.
    const payments = config.paymentsOperatorTenant
      ? new PaymentsService({
          operatorTenant: config.paymentsOperatorTenant,
          payments: paymentEvents,
          temporal: temporalClient,
          sealer: codec.sealer,
        })
      : undefined;
    const keys = new ApiKeyRepository(prisma);
    const authenticator = new BearerAuthenticator<Principal>({
      realm: REALM,
      verifiers: [
        new ApiKeyVerifier(keys, { realm: REALM, cacheMs: config.auth.keyCacheMs }),
        ...(config.auth.jwt ? [jwtPrincipals(config.auth.jwt, new TenantRepository(prisma), REALM)] : []),
      ],
    });
    const app = createGatewayApp({
      jobs,
      pushRequests,
      keys,
      webhooks,
      payments,
      authenticator,
      rateLimits: new RateLimitRepository(prisma),
      // An unanswered key is abandoned once no request could still be running.
      idempotency: {
        store: new IdempotencyRepository(prisma),
        window: { ttlMs: config.idempotencyTtlMs, abandonedAfterMs: config.http.timeouts.requestMs + 60_000 },
        sealer: codec.sealer,
      },
      defaultRateLimit: config.auth.defaultRateLimit,
      logger,
      maxUploadBytes: config.maxUploadBytes,
      metrics,
      readiness: {
        postgres: () => prisma.$queryRaw`SELECT 1`,
        temporal: () => connection.healthService.check({}),
        keys: async () => codec.keys.provider.check?.(),
      },
    });
    const server = await listen(app, config.http.port, config.http.host, config.http.timeouts);
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
