import {
  blobStoreEnv,
  toBlobStoreConfig,
  bool,
  checkCodecEnv,
  codecEnv,
  DEV_DEFAULTS,
  httpUrl,
  loadConfig,
  logLevel,
  port,
  positiveInt,
  postgresUrl,
  temporalEnv,
  tlsPathsTogether,
  toCodecConfig,
  toTemporalConfig,
  type Env,
} from '@enrich/config';
import { z } from 'zod';

/**
 * The api-gateway's environment: Temporal and the codec (shared fragments of `@enrich/config`),
 * then the HTTP listener and its timeouts, PostgreSQL and the blob store. `--help` is generated
 * from it.
 */
export const gatewayEnvSchema = z
  .object({
    ...temporalEnv,
    ...codecEnv,
    PORT: port(DEV_DEFAULTS.gatewayPort).describe('HTTP port of the REST API.'),
    HOST: z.string().default('127.0.0.1').describe('Address the REST API listens on.'),
    DATABASE_URL: postgresUrl.describe('PostgreSQL connection URL (migrated database).'),
    DATABASE_POOL_SIZE: positiveInt(10).describe('PostgreSQL connections in the pool.'),
    ...blobStoreEnv,
    MAX_UPLOAD_MB: positiveInt(1024).describe('Largest accepted upload, in megabytes.'),
    HTTP_HEADERS_TIMEOUT_S: positiveInt(20).describe("Seconds a client may take to send a request's headers (slow clients are cut off)."),
    HTTP_REQUEST_TIMEOUT_S: positiveInt(1800).describe(
      'Seconds a client may take to send a whole request: size it for MAX_UPLOAD_MB at the slowest link served.',
    ),
    HTTP_IDLE_TIMEOUT_S: positiveInt(60).describe('Seconds a connection may send and receive nothing before it is closed.'),
    LOG_LEVEL: logLevel,
    PUSH_IDLE_CLOSE_S: positiveInt(900).describe(
      'Seconds without a new contact after which an erid closes by itself (then completes once its contacts are enriched).',
    ),
    WEBHOOK_ALLOW_PRIVATE_URLS: bool(false).describe(
      'Let webhook endpoints on loopback, private, link-local and CGNAT addresses be registered (development and tests only: in production this opens the private network to tenants).',
    ),
    PAYMENTS_OPERATOR_TENANT: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a tenant slug')
      .optional()
      .describe(
        "Slug of the platform operators' tenant: its admin keys review quarantined payment events (/v1/payment-events). Unset: those routes are not served.",
      ),
    IDEMPOTENCY_TTL_H: positiveInt(24).describe('Hours the answer to a POST with an Idempotency-Key is replayed for the same key.'),
    RATE_LIMIT_PER_MINUTE: positiveInt(600).describe(
      'Requests per minute per API key, for tenants without a limit of their own (counted in PostgreSQL, so shared by every gateway).',
    ),
    AUTH_KEY_CACHE_S: z.coerce
      .number()
      .min(0)
      .max(60)
      .default(5)
      .describe('Seconds an API key check is reused: the longest a revoked key keeps working, and how often a busy key is read from the database.'),
    AUTH_JWKS_URL: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL of a JWKS' })
      .optional()
      .describe("OIDC, as an alternative to API keys: the JWKS that signs callers' JWTs, e.g. the identity provider's /.well-known/jwks.json."),
    AUTH_JWT_ISSUER: z.string().min(1).optional().describe('Required iss of JWTs (required with AUTH_JWKS_URL).'),
    AUTH_JWT_AUDIENCE: z
      .string()
      .transform((text) =>
        text
          .split(',')
          .map((value) => value.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string()).min(1, 'must list at least one audience'))
      .optional()
      .describe('Accepted aud values of JWTs, comma separated (required with AUTH_JWKS_URL).'),
    AUTH_JWT_TENANT_CLAIM: z.string().min(1).default('tenant').describe("JWT claim holding the tenant's slug."),
    AUTH_JWT_SCOPE_CLAIM: z.string().min(1).default('scope').describe('JWT claim holding the scopes (space separated, or a list): read, write, pii, admin.'),
  })
  .refine(tlsPathsTogether, { message: 'set both or neither', path: ['TEMPORAL_TLS_CERT_PATH'] })
  .superRefine((env, ctx) => {
    if (env.AUTH_JWKS_URL === undefined) return;
    if (!env.AUTH_JWT_ISSUER) ctx.addIssue({ code: 'custom', path: ['AUTH_JWT_ISSUER'], message: 'required with AUTH_JWKS_URL' });
    if (!env.AUTH_JWT_AUDIENCE) ctx.addIssue({ code: 'custom', path: ['AUTH_JWT_AUDIENCE'], message: 'required with AUTH_JWKS_URL' });
  })
  .superRefine(checkCodecEnv)
  .transform((env) => ({
    http: {
      port: env.PORT,
      host: env.HOST,
      timeouts: { headersMs: env.HTTP_HEADERS_TIMEOUT_S * 1000, requestMs: env.HTTP_REQUEST_TIMEOUT_S * 1000, idleMs: env.HTTP_IDLE_TIMEOUT_S * 1000 },
    },
    temporal: toTemporalConfig(env),
    codec: toCodecConfig(env),
    database: { url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE },
    blobDir: env.BLOB_DIR,
    blobStore: toBlobStoreConfig(env),
    maxUploadBytes: env.MAX_UPLOAD_MB * 1024 * 1024,
    logLevel: env.LOG_LEVEL,
    pushIdleCloseSeconds: env.PUSH_IDLE_CLOSE_S,
    webhooks: { allowPrivateUrls: env.WEBHOOK_ALLOW_PRIVATE_URLS },
    paymentsOperatorTenant: env.PAYMENTS_OPERATOR_TENANT,
    idempotencyTtlMs: env.IDEMPOTENCY_TTL_H * 3_600_000,
    auth: {
      defaultRateLimit: env.RATE_LIMIT_PER_MINUTE,
      keyCacheMs: env.AUTH_KEY_CACHE_S * 1000,
      jwt:
        env.AUTH_JWKS_URL && env.AUTH_JWT_ISSUER && env.AUTH_JWT_AUDIENCE
          ? {
              jwksUrl: env.AUTH_JWKS_URL,
              issuer: env.AUTH_JWT_ISSUER,
              audience: env.AUTH_JWT_AUDIENCE,
              tenantClaim: env.AUTH_JWT_TENANT_CLAIM,
              scopeClaim: env.AUTH_JWT_SCOPE_CLAIM,
            }
          : undefined,
    },
  }));

/** The api-gateway's configuration, as {@link loadGatewayConfig} returns it. */
export type GatewayConfig = z.output<typeof gatewayEnvSchema>;

/** Parses the api-gateway's configuration. */
export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  return loadConfig(gatewayEnvSchema, env, 'api-gateway');
}

/** The `enrich` CLI's environment (`cli/enrich.ts`, the `bin` of this package): where the gateway is. */
export const cliEnvSchema = z
  .object({
    ENRICH_API_URL: httpUrl(`http://127.0.0.1:${DEV_DEFAULTS.gatewayPort}`).describe('Base URL of the api-gateway.'),
    ENRICH_API_KEY: z.string().min(1).optional().describe('API key the CLI sends (`enrich admin keys create` makes one).'),
    DATABASE_URL: postgresUrl.describe('PostgreSQL of the platform, for `enrich admin` only.'),
  })
  .transform((env) => ({ apiUrl: env.ENRICH_API_URL, apiKey: env.ENRICH_API_KEY, databaseUrl: env.DATABASE_URL }));

/** The `enrich` CLI's configuration, as {@link loadCliConfig} returns it. */
export type CliConfig = z.output<typeof cliEnvSchema>;

/** Parses the `enrich` CLI's configuration (flags override it). */
export function loadCliConfig(env: Env = process.env): CliConfig {
  return loadConfig(cliEnvSchema, env, 'enrich CLI');
}
