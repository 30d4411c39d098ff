import { API_SCOPES } from '@enrich/domain';
import {
  ApiKeyRepository,
  FileBlobStore,
  JobExportRepository,
  JobRepository,
  PushRequestRepository,
  RateLimitRepository,
  IdempotencyRepository,
  TenantRepository,
  WebhookRepository,
  type Tenant,
  ProviderCallRepository,
} from '@enrich/db';
import { BearerAuthenticator, createMetricsRegistry, listen } from '@enrich/http';
import { connectTemporal, createTestDatabase, createTestWorker, testCodec, testEnv, uniqueTaskQueue, type TestDatabase } from '@enrich/testing';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { createGatewayApp, type GatewayAppDeps } from '../app';
import { ApiKeyVerifier } from '../auth/api-key.verifier';
import type { Principal } from '../auth/principal';
import { JobsService } from '../jobs/jobs.service';
import { PushRequestsService } from '../requests/push-requests.service';
import { WebhooksService } from '../webhooks/webhooks.service';

export interface GatewayFixture {
  server: Server;
  /** Requests to the gateway with the key of {@link tenant} (every scope). */
  api(): ReturnType<typeof request.agent>;
  /** The tenant the fixture's key belongs to. */
  tenant: Tenant;
  /** A key of {@link tenant} with every scope. */
  apiKey: string;
  tenants: TenantRepository;
  keys: ApiKeyRepository;
  /** How long the gateway reuses an API key check (a revoked key works at most this long). */
  keyCacheMs: number;
  /** What the gateway was built from: a second instance made of them shares its database. */
  appDeps: GatewayAppDeps;
  db: TestDatabase;
  blobDir: string;
  temporal: TestWorkflowEnvironment;
  close(): Promise<void>;
}

/**
 * The gateway listening on port 0 over a fresh database, the run's Temporal dev server, and a real
 * worker (its provider calls shaped by `knobs`) on a task queue of its own.
 */
export async function startGateway(options: {
  knobs: Record<string, number>;
  maxUploadBytes: number;
  exportPageSize?: number;
  /** Requests per minute per key (default: plenty for any test). */
  rateLimit?: number;
  /** Seconds without a contact before an erid closes by itself (default 600). */
  idleCloseSeconds?: number;
}): Promise<GatewayFixture> {
  const env = testEnv();
  const temporal = await connectTemporal(env);
  const db = await createTestDatabase(env.databaseUrl, env.templateDatabase);
  const blobDir = await mkdtemp(join(tmpdir(), 'gateway-blobs-'));
  const taskQueue = uniqueTaskQueue('gateway');
  // Webhook retries from 200 ms, not 5 s: a receiver failing twice is retried within a test.
  const webhookRetryInitialIntervalMs = 200;
  const worker = await createTestWorker({ temporal, taskQueue, prisma: db.prisma, blobDir, knobs: options.knobs, webhookRetryInitialIntervalMs });
  const workerRun = worker.run();
  const jobs = new JobsService({
    jobs: new JobRepository(db.prisma),
    providerCalls: new ProviderCallRepository(db.prisma),
    exports: new JobExportRepository(db.prisma),
    ...(options.exportPageSize ? { exportPageSize: options.exportPageSize } : {}),
    blobs: new FileBlobStore(blobDir),
    temporal: temporal.client,
    taskQueue,
    sealer: testCodec().sealer,
  });
  const pushRequests = new PushRequestsService({
    pushRequests: new PushRequestRepository(db.prisma),
    jobs: new JobRepository(db.prisma),
    providerCalls: new ProviderCallRepository(db.prisma),
    temporal: temporal.client,
    taskQueue,
    sealer: testCodec().sealer,
    idleCloseSeconds: options.idleCloseSeconds ?? 600,
  });
  const webhooks = new WebhooksService({
    webhooks: new WebhookRepository(db.prisma),
    sealer: testCodec().sealer,
    temporal: temporal.client,
    taskQueue,
    // The suites' receivers listen on 127.0.0.1.
    allowPrivateUrls: true,
    retryInitialIntervalMs: webhookRetryInitialIntervalMs,
  });
  const tenants = new TenantRepository(db.prisma);
  const keys = new ApiKeyRepository(db.prisma);
  const tenant = await tenants.create({ slug: 'acme', name: 'Acme' });
  const { key: apiKey } = await keys.create(tenant.id, { name: 'tests', scopes: API_SCOPES });
  const keyCacheMs = 500;
  const authenticator = new BearerAuthenticator<Principal>({
    realm: 'enrich',
    verifiers: [new ApiKeyVerifier(keys, { realm: 'enrich', cacheMs: keyCacheMs })],
  });
  const appDeps: GatewayAppDeps = {
    jobs,
    pushRequests,
    keys,
    webhooks,
    authenticator,
    rateLimits: new RateLimitRepository(db.prisma),
    idempotency: { store: new IdempotencyRepository(db.prisma), window: { ttlMs: 24 * 3_600_000, abandonedAfterMs: 60_000 }, sealer: testCodec().sealer },
    defaultRateLimit: options.rateLimit ?? 100_000,
    logger: pino({ level: 'silent' }),
    maxUploadBytes: options.maxUploadBytes,
    metrics: createMetricsRegistry('api-gateway'),
    readiness: {
      postgres: () => db.prisma.$queryRaw`SELECT 1`,
      temporal: () => temporal.connection.healthService.check({}),
      keys: async () => testCodec().keys.provider.check?.(),
    },
  };
  const app = createGatewayApp(appDeps);
  // The production defaults of the timeouts (HTTP_*_TIMEOUT_S).
  const server = await listen(app, 0, '127.0.0.1', { headersMs: 20_000, requestMs: 1_800_000, idleMs: 60_000 });
  return {
    server,
    api: () => request.agent(server).set('authorization', `Bearer ${apiKey}`),
    tenant,
    apiKey,
    tenants,
    keys,
    keyCacheMs,
    appDeps,
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
