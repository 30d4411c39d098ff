import { z } from 'zod';
import { DEV_DEFAULTS, logLevel, port } from './fragments';
import { loadConfig, type Env } from './load-config';

const rate = (fallback: number) => z.coerce.number().min(0).max(1).default(fallback);
const ms = (fallback: number) => z.coerce.number().int().min(0).max(600_000).default(fallback);

/** Knobs applied to every mock provider unless overridden per request or through the admin API. */
export const mockEnrichmentEnvSchema = z
  .object({
    PORT: port(DEV_DEFAULTS.mockEnrichmentPort),
    HOST: z.string().default('127.0.0.1'),
    LOG_LEVEL: logLevel,
    MOCK_LATENCY_MS: ms(20),
    MOCK_JITTER_MS: ms(10),
    MOCK_FAILURE_RATE: rate(0),
    MOCK_NOT_FOUND_RATE: rate(0.05),
    /** Requests per second per provider before 429 with Retry-After; 0 = unlimited. */
    MOCK_RATE_LIMIT_RPS: z.coerce.number().min(0).default(0),
    /** Changes every deterministic answer at once (a different "provider database"). */
    MOCK_SEED: z.string().default('enrich'),
  })
  .transform((env) => ({
    http: { port: env.PORT, host: env.HOST },
    logLevel: env.LOG_LEVEL,
    seed: env.MOCK_SEED,
    defaultKnobs: {
      latencyMs: env.MOCK_LATENCY_MS,
      jitterMs: env.MOCK_JITTER_MS,
      failureRate: env.MOCK_FAILURE_RATE,
      notFoundRate: env.MOCK_NOT_FOUND_RATE,
      rateLimitPerSecond: env.MOCK_RATE_LIMIT_RPS,
    },
  }));

export type MockEnrichmentConfig = z.output<typeof mockEnrichmentEnvSchema>;

/** Parses the mock-enrichment app's configuration. */
export function loadMockEnrichmentConfig(env: Env = process.env): MockEnrichmentConfig {
  return loadConfig(mockEnrichmentEnvSchema, env, 'mock-enrichment');
}
