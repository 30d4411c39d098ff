import { ConfigError, loadGatewayConfig, loadWorkerConfig } from './index';

describe('loadWorkerConfig', () => {
  it('runs on embedded dev defaults with an empty environment', () => {
    const config = loadWorkerConfig({});
    expect(config.temporal).toEqual({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'enrichment' });
    expect(config.database.url).toBe('postgresql://enrich:enrich@127.0.0.1:5433/enrich');
    expect(config.providers.mockEnrichmentUrl).toBe('http://127.0.0.1:4010');
  });

  it('coerces numbers, strips trailing slashes and treats empty strings as unset', () => {
    const config = loadWorkerConfig({ PROVIDER_CONCURRENCY: '3', MOCK_ENRICHMENT_URL: 'http://mock:9/', TEMPORAL_NAMESPACE: '' });
    expect(config.providers.concurrency).toBe(3);
    expect(config.providers.mockEnrichmentUrl).toBe('http://mock:9');
    expect(config.temporal.namespace).toBe('default');
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadWorkerConfig({ TEMPORAL_ADDRESS: 'localhost', DATABASE_URL: 'mysql://x', PROVIDER_CONCURRENCY: '-1' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.issues.map((i) => i.variable).sort()).toEqual(['DATABASE_URL', 'PROVIDER_CONCURRENCY', 'TEMPORAL_ADDRESS']);
    expect(configError.message).toContain('Invalid configuration for worker');
    expect(configError.message).toContain('TEMPORAL_ADDRESS: must be host:port');
  });

  it('requires both TLS paths or neither', () => {
    expect(() => loadWorkerConfig({ TEMPORAL_TLS_CERT_PATH: '/c.pem' })).toThrow(/TEMPORAL_TLS_CERT_PATH: set both or neither/);
    expect(loadWorkerConfig({ TEMPORAL_TLS_CERT_PATH: '/c.pem', TEMPORAL_TLS_KEY_PATH: '/k.pem' }).temporal.tls).toEqual({
      certPath: '/c.pem',
      keyPath: '/k.pem',
    });
  });
});

describe('loadGatewayConfig', () => {
  it('rejects a port out of range and converts the upload limit to bytes', () => {
    expect(() => loadGatewayConfig({ PORT: '70000' })).toThrow(/PORT/);
    expect(loadGatewayConfig({ MAX_UPLOAD_MB: '2' }).maxUploadBytes).toBe(2 * 1024 * 1024);
  });
});
