import { DEV_DEFAULTS, loadConfig, logLevel, port, type Env } from '@enrich/config';
import { z } from 'zod';
import { DEFAULT_VENDOR_API_KEY } from './vendors/vendor';

const rate = (fallback: number) => z.coerce.number().min(0).max(1).default(fallback);
const ms = (fallback: number) => z.coerce.number().int().min(0).max(600_000).default(fallback);

/** The knobs one provider may set for itself, in the mock's own names and ranges. */
const providerKnobsSchema = z.record(
  z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a provider name such as people-data'),
  z
    .object({
      latencyMs: z.number().int().min(0).max(600_000),
      jitterMs: z.number().int().min(0).max(600_000),
      failureRate: z.number().min(0).max(1),
      notFoundRate: z.number().min(0).max(1),
      rateLimitPerSecond: z.number().min(0),
    })
    .partial()
    .strict(),
);

/**
 * `MOCK_PROVIDER_KNOBS`: JSON such as `{"demographics":{"notFoundRate":0.3}}`. Each problem is
 * reported on the variable itself, naming the entry, so the message says what to fix.
 */
const providerKnobs = z
  .string()
  .default('{}')
  .transform((text, context) => {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      context.addIssue({ code: 'custom', message: 'must be JSON such as {"people-data":{"notFoundRate":0.3}}' });
      return z.NEVER;
    }
    const parsed = providerKnobsSchema.safeParse(json);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      const entry = issue.path.map(String).join('.');
      context.addIssue({ code: 'custom', message: entry ? `${entry}: ${issue.message}` : issue.message });
    }
    return z.NEVER;
  });

/** Knobs applied to every mock provider unless overridden per request or through the admin API. */
export const mockEnrichmentEnvSchema = z
  .object({
    PORT: port(DEV_DEFAULTS.mockEnrichmentPort).describe('HTTP port of the mock providers.'),
    HOST: z.string().default('127.0.0.1').describe('Address the mock providers listen on.'),
    LOG_LEVEL: logLevel,
    MOCK_LATENCY_MS: ms(20).describe('Latency of every answer, in milliseconds.'),
    MOCK_JITTER_MS: ms(10).describe('Random extra latency, up to this many milliseconds.'),
    MOCK_FAILURE_RATE: rate(0).describe('Share of requests answered with a 5xx, 0 to 1.'),
    MOCK_NOT_FOUND_RATE: rate(0.05).describe('Share of lookups answered 404 not found, 0 to 1.'),
    MOCK_RATE_LIMIT_RPS: z.coerce.number().min(0).default(0).describe('Requests per second per provider before 429 with Retry-After; 0 = unlimited.'),
    /** Knobs of single providers on top of the MOCK_* defaults, e.g. a first vendor that misses more often. */
    MOCK_PROVIDER_KNOBS: providerKnobs.describe('JSON knobs of single providers over the MOCK_* ones, e.g. {"demographics":{"notFoundRate":0.3}}.'),
    MOCK_SEED: z.string().default('enrich').describe('Seed of every deterministic answer: another seed, another "provider database".'),
    MOCK_VENDOR_API_KEY: z
      .string()
      .min(1)
      .default(DEFAULT_VENDOR_API_KEY)
      .describe('API key the simulated vendors accept, each in its own place (PDL X-Api-Key, Hunter api_key, Clearbit bearer).'),
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
    providerKnobs: env.MOCK_PROVIDER_KNOBS,
    vendorApiKey: env.MOCK_VENDOR_API_KEY,
  }));

/** The mock-enrichment app's configuration, as {@link loadMockEnrichmentConfig} returns it. */
export type MockEnrichmentConfig = z.output<typeof mockEnrichmentEnvSchema>;

/** Parses the mock-enrichment app's configuration. */
export function loadMockEnrichmentConfig(env: Env = process.env): MockEnrichmentConfig {
  return loadConfig(mockEnrichmentEnvSchema, env, 'mock-enrichment');
}
