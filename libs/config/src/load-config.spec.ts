import { z } from 'zod';
import { ConfigError, DEV_DEFAULTS, httpUrl, loadConfig, positiveInt, temporalEnv, tlsPathsTogether, toTemporalConfig } from './index';

/** A schema like the apps' (each app's own is tested next to it): shared fragments and a few variables of its own. */
const schema = z
  .object({
    ...temporalEnv,
    MOCK_ENRICHMENT_URL: httpUrl(DEV_DEFAULTS.mockEnrichmentUrl).describe('providers'),
    PROVIDER_CONCURRENCY: positiveInt(8).describe('concurrency'),
  })
  .refine(tlsPathsTogether, { message: 'set both or neither', path: ['TEMPORAL_TLS_CERT_PATH'] })
  .transform((env) => ({ temporal: toTemporalConfig(env), mockEnrichmentUrl: env.MOCK_ENRICHMENT_URL, concurrency: env.PROVIDER_CONCURRENCY }));

const load = (env: Record<string, string | undefined>) => loadConfig(schema, env, 'example');

describe('loadConfig', () => {
  it('runs on embedded dev defaults with an empty environment', () => {
    expect(load({})).toEqual({
      temporal: { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'enrichment' },
      mockEnrichmentUrl: 'http://127.0.0.1:4010',
      concurrency: 8,
    });
  });

  it('coerces numbers, strips trailing slashes and treats empty strings as unset', () => {
    const config = load({ PROVIDER_CONCURRENCY: '3', MOCK_ENRICHMENT_URL: 'http://mock:9/', TEMPORAL_NAMESPACE: '', UNRELATED: undefined });
    expect(config.concurrency).toBe(3);
    expect(config.mockEnrichmentUrl).toBe('http://mock:9');
    expect(config.temporal.namespace).toBe('default');
  });

  it('names every bad variable, and the service, in one error', () => {
    let error: unknown;
    try {
      load({ TEMPORAL_ADDRESS: 'localhost', MOCK_ENRICHMENT_URL: 'ftp://x', PROVIDER_CONCURRENCY: '-1' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.issues.map((i) => i.variable).sort()).toEqual(['MOCK_ENRICHMENT_URL', 'PROVIDER_CONCURRENCY', 'TEMPORAL_ADDRESS']);
    expect(configError.message).toContain('Invalid configuration for example');
    expect(configError.message).toContain('TEMPORAL_ADDRESS: must be host:port');
    expect(configError.cause).toBeInstanceOf(z.ZodError);
  });
});

describe('the Temporal fragment', () => {
  it('requires both TLS paths or neither', () => {
    expect(() => load({ TEMPORAL_TLS_CERT_PATH: '/c.pem' })).toThrow(/TEMPORAL_TLS_CERT_PATH: set both or neither/);
    expect(load({ TEMPORAL_TLS_CERT_PATH: '/c.pem', TEMPORAL_TLS_KEY_PATH: '/k.pem' }).temporal.tls).toEqual({ certPath: '/c.pem', keyPath: '/k.pem' });
  });

  it('passes a Temporal Cloud API key on', () => {
    expect(load({ TEMPORAL_API_KEY: 'key' }).temporal.apiKey).toBe('key');
  });
});
