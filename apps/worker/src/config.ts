import {
  blobStoreEnv,
  toBlobStoreConfig,
  opsEnv,
  bool,
  checkCodecEnv,
  codecEnv,
  DEV_DEFAULTS,
  httpUrl,
  loadConfig,
  logLevel,
  positiveInt,
  postgresUrl,
  temporalEnv,
  tlsPathsTogether,
  toCodecConfig,
  toTemporalConfig,
  type Env,
} from '@enrich/config';
import { z } from 'zod';
import { providerBudgetsEnv, resolveProviderBudgets } from './provider-budgets';
import { loadVendorsFile } from './vendors-file';
import type { VendorsConfig } from '@enrich/providers';

/**
 * The worker's environment: Temporal and the codec (shared fragments of `@enrich/config`), then
 * PostgreSQL, the providers and their budgets, staging, and the sizing of the worker process.
 * `--help` is generated from it.
 */
export const workerEnvSchema = z
  .object({
    ...temporalEnv,
    ...codecEnv,
    DATABASE_URL: postgresUrl.describe('PostgreSQL connection URL (migrated database).'),
    DATABASE_POOL_SIZE: positiveInt(10).describe('PostgreSQL connections in the pool.'),
    MOCK_ENRICHMENT_URL: httpUrl(DEV_DEFAULTS.mockEnrichmentUrl).describe('Base URL of the data providers (mock-enrichment in dev and tests).'),
    ...blobStoreEnv,
    VENDORS_CONFIG_FILE: z
      .string()
      .optional()
      .describe(
        'JSON file declaring the lookup vendors (adapter, base URL, API key from env or file, budget, cost) and the waterfall per group; unset = the platform providers at MOCK_ENRICHMENT_URL.',
      ),
    PROVIDER_CONCURRENCY: positiveInt(8).describe('A page activity looks up twice this many rows at once (at least 10), each on its own.'),
    PROVIDER_TIMEOUT_MS: positiveInt(10_000).describe('Timeout of one provider call, in milliseconds.'),
    PROVIDER_RATE_LIMIT_RPS: z.coerce.number().min(0).default(0).describe('Per provider, for the whole worker: sustained requests per second (0 = unlimited).'),
    PROVIDER_MAX_IN_FLIGHT: positiveInt(64).describe('Per provider, for the whole worker: requests in flight.'),
    PROVIDER_BUDGETS: providerBudgetsEnv.describe(
      'Per-provider <requests per second>/<max in flight>, e.g. demographics=50/16,people-data=10/4; the rest get the two above.',
    ),
    LOOKUP_CACHE_TTL_HOURS: z.coerce
      .number()
      .min(0)
      .default(720)
      .describe("How long a provider's answer is reused for the same contact, in hours; 0 turns the cache off."),
    STAGING_BATCH_ROWS: positiveInt(1_000).describe('Rows per multi-row insert while staging a file; the workflow hears about each batch.'),
    MAX_CONCURRENT_ACTIVITIES: positiveInt(20).describe('Activities the worker runs at once.'),
    MAX_CONCURRENT_WORKFLOW_TASKS: positiveInt(10).describe('Workflow tasks the worker runs at once.'),
    /**
     * Workflows the worker keeps in memory between tasks; one more is evicted and replayed from its
     * history on its next task. A job is one workflow plus a few research children, so 50 covers
     * several jobs at once. Unset, Temporal derives it from the heap limit (hundreds per GB).
     */
    WORKER_MAX_CACHED_WORKFLOWS: positiveInt(50).describe('Workflows kept in memory between tasks; at least MAX_CONCURRENT_WORKFLOW_TASKS.'),
    /**
     * V8 old-space limit in MB: `apps/worker/start.sh` passes it as `--max-old-space-size`, and the
     * worker warns at start when its heap is larger (started some other way).
     */
    WORKER_MAX_HEAP_MB: positiveInt(256).describe('V8 old-space limit in MB: apps/worker/start.sh applies it, the worker warns when its heap is larger.'),
    GLIBC_TUNABLES: z
      .string()
      .optional()
      .describe('glibc malloc settings of the process: apps/worker/start.sh sets them, the worker warns when they are missing.'),
    WORKFLOW_BUNDLE_PATH: z.string().optional().describe('Prebuilt workflow bundle; unset = the one built next to main.js, else the worker bundles at start.'),
    WEBHOOK_ALLOW_PRIVATE_URLS: bool(false).describe(
      'Let webhooks go to loopback, private, link-local and CGNAT addresses (development and tests only: in production this opens the private network to tenants).',
    ),
    ...opsEnv(9464),
    SDK_METRICS_PORT: z.coerce
      .number()
      .int()
      .min(1)
      .max(65_535)
      .optional()
      .describe(
        "Port of the Temporal SDK's own Prometheus exporter (task slots, poll and schedule-to-start latencies, sticky cache), on OPS_HOST; unset = off.",
      ),
    LOG_LEVEL: logLevel,
  })
  .refine(tlsPathsTogether, { message: 'set both or neither', path: ['TEMPORAL_TLS_CERT_PATH'] })
  // Every workflow task in flight needs its workflow in the cache (Temporal would lower the tasks silently).
  .refine((env) => env.WORKER_MAX_CACHED_WORKFLOWS >= env.MAX_CONCURRENT_WORKFLOW_TASKS, {
    message: 'must be at least MAX_CONCURRENT_WORKFLOW_TASKS',
    path: ['WORKER_MAX_CACHED_WORKFLOWS'],
  })
  .superRefine(checkCodecEnv)
  .transform((env) => ({
    temporal: toTemporalConfig(env),
    codec: toCodecConfig(env),
    database: { url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE },
    providers: {
      mockEnrichmentUrl: env.MOCK_ENRICHMENT_URL,
      /** Path of the vendors config; {@link loadWorkerConfig} reads it into `vendors`. */
      vendorsFile: env.VENDORS_CONFIG_FILE,
      concurrency: env.PROVIDER_CONCURRENCY,
      timeoutMs: env.PROVIDER_TIMEOUT_MS,
      rateLimitPerSecond: env.PROVIDER_RATE_LIMIT_RPS,
      maxInFlight: env.PROVIDER_MAX_IN_FLIGHT,
      /** Providers with a budget of their own, each complete (what an entry left out is the global value). */
      budgets: resolveProviderBudgets(env.PROVIDER_BUDGETS, {
        requestsPerSecond: env.PROVIDER_RATE_LIMIT_RPS,
        maxInFlight: env.PROVIDER_MAX_IN_FLIGHT,
      }),
      cacheTtlMs: env.LOOKUP_CACHE_TTL_HOURS * 3_600_000,
    },
    blobDir: env.BLOB_DIR,
    blobStore: toBlobStoreConfig(env),
    staging: { batchRows: env.STAGING_BATCH_ROWS },
    worker: {
      maxConcurrentActivities: env.MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentWorkflowTasks: env.MAX_CONCURRENT_WORKFLOW_TASKS,
      maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS,
      maxHeapMb: env.WORKER_MAX_HEAP_MB,
      glibcTunables: env.GLIBC_TUNABLES,
      workflowBundlePath: env.WORKFLOW_BUNDLE_PATH,
    },
    webhooks: { allowPrivateUrls: env.WEBHOOK_ALLOW_PRIVATE_URLS },
    ops: { host: env.OPS_HOST, port: env.OPS_PORT, sdkMetricsPort: env.SDK_METRICS_PORT },
    logLevel: env.LOG_LEVEL,
  }));

/** The worker's configuration, as {@link loadWorkerConfig} returns it. */
export type WorkerConfig = z.output<typeof workerEnvSchema> & {
  /** The vendors of `VENDORS_CONFIG_FILE`, read and checked at start (undefined: the platform providers). */
  vendors?: VendorsConfig;
};

/**
 * Parses the worker's configuration, then reads the vendors config file when one is set (its API
 * keys come from `env` too).
 *
 * @throws ConfigError naming each bad variable, or each bad entry of the vendors file.
 */
export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  const config = loadConfig(workerEnvSchema, env, 'worker');
  const file = config.providers.vendorsFile;
  return file === undefined ? config : { ...config, vendors: loadVendorsFile(file, env, config.providers.mockEnrichmentUrl) };
}
