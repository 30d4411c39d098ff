import { z } from 'zod';

/** Ports and addresses of the dev stack (`tools/stack`): the embedded defaults of every app. */
export const DEV_DEFAULTS = {
  temporalAddress: '127.0.0.1:7233',
  databaseUrl: 'postgresql://enrich:enrich@127.0.0.1:5433/enrich',
  mockEnrichmentUrl: 'http://127.0.0.1:4010',
  gatewayPort: 3000,
  mockEnrichmentPort: 4010,
  codecServerPort: 8888,
  blobDir: '.stack/demo/blobs',
  kafkaBrokers: '127.0.0.1:9092',
} as const;

/** `LOG_LEVEL` of every app: its pino level, `info` by default. */
export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info')
  .describe('Log level of the JSON-lines logs (pino): fatal, error, warn, info, debug, trace or silent.');

/** A TCP port (0 = any free one), `fallback` when unset. */
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);

/** A whole number ≥ 1 (sizes, counts, durations), `fallback` when unset. */
export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** An http(s) base URL without its trailing slashes (so paths can be appended), `fallback` when unset. */
export const httpUrl = (fallback: string) =>
  z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:4010' })
    .default(fallback)
    .transform((url) => url.replace(/\/+$/, ''));

/** A PostgreSQL connection URL, the dev stack's database when unset. */
export const postgresUrl = z
  .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgresql:// URL such as postgresql://user:pass@host:5432/db' })
  .default(DEV_DEFAULTS.databaseUrl);

/** A flag written as true/false, 1/0 or yes/no, `fallback` when unset. */
export const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** `KAFKA_BROKERS`: bootstrap brokers as a comma-separated host:port list, the dev stack's broker when unset. */
export const kafkaBrokers = z
  .string()
  .default(DEV_DEFAULTS.kafkaBrokers)
  .transform((value) =>
    value
      .split(',')
      .map((broker) => broker.trim())
      .filter((broker) => broker.length > 0),
  )
  .pipe(z.array(z.string().regex(/^[^:/\s]+:\d+$/, 'must be host:port[,host:port…], e.g. 127.0.0.1:9092')).min(1, 'must name at least one broker'))
  .describe('Kafka bootstrap brokers, host:port[,host:port…].');

/** Variables every Temporal client and worker reads. */
export const temporalEnv = {
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^:/\s]+:\d+$/, 'must be host:port, e.g. 127.0.0.1:7233')
    .default(DEV_DEFAULTS.temporalAddress)
    .describe('Temporal frontend, host:port.'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default').describe('Temporal namespace.'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('enrichment').describe('Task queue the workflows and activities run on.'),
  /** PEM files for mTLS to a Temporal cluster; both or neither. */
  TEMPORAL_TLS_CERT_PATH: z.string().optional().describe('PEM client certificate for mTLS to a Temporal cluster; set with TEMPORAL_TLS_KEY_PATH.'),
  TEMPORAL_TLS_KEY_PATH: z.string().optional().describe('PEM private key for mTLS to a Temporal cluster; set with TEMPORAL_TLS_CERT_PATH.'),
  TEMPORAL_API_KEY: z.string().optional().describe('API key of a Temporal Cloud namespace.'),
};

/** Temporal connection settings, shaped for `Connection.connect` / `NativeConnection.connect`. */
export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  tls?: { certPath: string; keyPath: string };
  apiKey?: string;
}

/** Shapes parsed {@link temporalEnv} values as a {@link TemporalConfig}. */
export function toTemporalConfig(env: {
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE: string;
  TEMPORAL_TASK_QUEUE: string;
  TEMPORAL_TLS_CERT_PATH?: string;
  TEMPORAL_TLS_KEY_PATH?: string;
  TEMPORAL_API_KEY?: string;
}): TemporalConfig {
  return {
    address: env.TEMPORAL_ADDRESS,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    ...(env.TEMPORAL_TLS_CERT_PATH && env.TEMPORAL_TLS_KEY_PATH ? { tls: { certPath: env.TEMPORAL_TLS_CERT_PATH, keyPath: env.TEMPORAL_TLS_KEY_PATH } } : {}),
    ...(env.TEMPORAL_API_KEY ? { apiKey: env.TEMPORAL_API_KEY } : {}),
  };
}

/** Both TLS paths or neither: a refinement shared by every schema that embeds {@link temporalEnv}. */
export function tlsPathsTogether(env: { TEMPORAL_TLS_CERT_PATH?: string; TEMPORAL_TLS_KEY_PATH?: string }): boolean {
  return Boolean(env.TEMPORAL_TLS_CERT_PATH) === Boolean(env.TEMPORAL_TLS_KEY_PATH);
}

/**
 * The operations endpoint of a process that serves no HTTP of its own (the worker, the stream
 * consumer): `/health`, `/ready` and `/metrics` on `OPS_HOST:OPS_PORT`.
 */
export const opsEnv = (defaultPort: number) => ({
  OPS_PORT: port(defaultPort).describe(
    'Port of the operations endpoint: /health, /ready (its dependencies answer) and /metrics (Prometheus); 0 = any free port (logged).',
  ),
  OPS_HOST: z.string().default('127.0.0.1').describe('Address the operations endpoint listens on (0.0.0.0 for probes and scrapes from outside the host).'),
});

/**
 * Where uploads are kept: `BLOB_DIR` (a directory the gateway and the workers share: the embedded
 * default) unless `BLOB_S3_BUCKET` names an S3 bucket, which gateways and workers on any host reach.
 */
export const blobStoreEnv = {
  BLOB_DIR: z
    .string()
    .min(1)
    .default(DEV_DEFAULTS.blobDir)
    .describe('Where uploaded files are kept until staged, shared by the gateway and the workers (unless BLOB_S3_BUCKET is set).'),
  BLOB_S3_BUCKET: z
    .string()
    .min(1)
    .optional()
    .describe(
      "S3 bucket of uploaded files, shared by gateways and workers on any host; unset = BLOB_DIR. Credentials and region: the AWS SDK's usual sources (AWS_REGION, AWS_ACCESS_KEY_ID, an instance role, ...).",
    ),
  BLOB_S3_PREFIX: z.string().default('').describe("Prefix of the uploads' object keys in BLOB_S3_BUCKET, e.g. enrich/."),
  BLOB_S3_ENDPOINT: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:4566' })
    .optional()
    .describe("S3-compatible endpoint (MinIO, the dev stack's emulator), addressed path-style; unset = AWS S3."),
};

/** Where uploads are kept, as {@link toBlobStoreConfig} reads it: a directory, or an S3 bucket. */
export interface BlobStoreConfig {
  dir: string;
  s3?: { bucket: string; prefix: string; endpoint?: string };
}

export function toBlobStoreConfig(env: { BLOB_DIR: string; BLOB_S3_BUCKET?: string; BLOB_S3_PREFIX: string; BLOB_S3_ENDPOINT?: string }): BlobStoreConfig {
  return {
    dir: env.BLOB_DIR,
    ...(env.BLOB_S3_BUCKET ? { s3: { bucket: env.BLOB_S3_BUCKET, prefix: env.BLOB_S3_PREFIX, endpoint: env.BLOB_S3_ENDPOINT } } : {}),
  };
}
