import { z } from 'zod';
import { DEV_DEFAULTS, logLevel, port, positiveInt, postgresUrl, temporalEnv, tlsPathsTogether, toTemporalConfig } from './fragments';
import { checkCodecEnv, codecEnv, toCodecConfig } from './codec.config';
import { loadConfig, type Env } from './load-config';

export const gatewayEnvSchema = z
  .object({
    ...temporalEnv,
    ...codecEnv,
    PORT: port(DEV_DEFAULTS.gatewayPort).describe('HTTP port of the REST API.'),
    HOST: z.string().default('127.0.0.1').describe('Address the REST API listens on.'),
    DATABASE_URL: postgresUrl.describe('PostgreSQL connection URL (migrated database).'),
    DATABASE_POOL_SIZE: positiveInt(10).describe('PostgreSQL connections in the pool.'),
    BLOB_DIR: z.string().min(1).default(DEV_DEFAULTS.blobDir).describe('Where uploaded files are kept (shared with the worker).'),
    MAX_UPLOAD_MB: positiveInt(1024).describe('Largest accepted upload, in megabytes.'),
    HTTP_HEADERS_TIMEOUT_S: positiveInt(20).describe("Seconds a client may take to send a request's headers (slow clients are cut off)."),
    HTTP_REQUEST_TIMEOUT_S: positiveInt(1800).describe(
      'Seconds a client may take to send a whole request: size it for MAX_UPLOAD_MB at the slowest link served.',
    ),
    HTTP_IDLE_TIMEOUT_S: positiveInt(60).describe('Seconds a connection may send and receive nothing before it is closed.'),
    LOG_LEVEL: logLevel,
  })
  .refine(tlsPathsTogether, { message: 'set both or neither', path: ['TEMPORAL_TLS_CERT_PATH'] })
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
    maxUploadBytes: env.MAX_UPLOAD_MB * 1024 * 1024,
    logLevel: env.LOG_LEVEL,
  }));

export type GatewayConfig = z.output<typeof gatewayEnvSchema>;

/** Parses the api-gateway's configuration. */
export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  return loadConfig(gatewayEnvSchema, env, 'api-gateway');
}
