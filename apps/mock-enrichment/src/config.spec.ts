import { describeEnv } from '@enrich/config';
import { configIssues, envHelpProblems } from '@enrich/config/testing';
import { loadMockEnrichmentConfig, mockEnrichmentEnvSchema } from './config';

describe('--help of mock-enrichment', () => {
  const variables = describeEnv(mockEnrichmentEnvSchema);

  it('describes every variable in one line, requires none (the dev stack is the default) and lists them all', () => {
    expect(envHelpProblems('mock-enrichment', mockEnrichmentEnvSchema)).toEqual([]);
  });

  it('shows defaults as they would be set in the environment', () => {
    const mock = Object.fromEntries(variables.map((variable) => [variable.name, variable]));
    expect(mock.MOCK_PROVIDER_KNOBS.default).toBe('{}');
    expect(mock.MOCK_NOT_FOUND_RATE.default).toBe('0.05');
  });
});

describe('loadMockEnrichmentConfig', () => {
  it('reads knobs of single providers from MOCK_PROVIDER_KNOBS', () => {
    expect(loadMockEnrichmentConfig({}).providerKnobs).toEqual({});
    const config = loadMockEnrichmentConfig({
      MOCK_NOT_FOUND_RATE: '0.1',
      MOCK_PROVIDER_KNOBS: '{"demographics":{"notFoundRate":0.3,"latencyMs":5},"people-data":{}}',
    });
    expect(config.defaultKnobs.notFoundRate).toBe(0.1);
    expect(config.providerKnobs).toEqual({ demographics: { notFoundRate: 0.3, latencyMs: 5 }, 'people-data': {} });
  });

  it('reads the key the simulated vendors accept from MOCK_VENDOR_API_KEY', () => {
    expect(loadMockEnrichmentConfig({}).vendorApiKey).toBe('mock-vendor-key');
    expect(loadMockEnrichmentConfig({ MOCK_VENDOR_API_KEY: 'sk_test' }).vendorApiKey).toBe('sk_test');
  });

  it('names the variable and the entry of a bad knob', () => {
    expect(configIssues(() => loadMockEnrichmentConfig({ MOCK_PROVIDER_KNOBS: '{"demographics":{"notFoundRate":2,"typo":1}}' }))).toEqual([
      { variable: 'MOCK_PROVIDER_KNOBS', problem: expect.stringMatching(/^demographics\.notFoundRate: /) },
      { variable: 'MOCK_PROVIDER_KNOBS', problem: expect.stringMatching(/^demographics: .*typo/) },
    ]);
    expect(configIssues(() => loadMockEnrichmentConfig({ MOCK_PROVIDER_KNOBS: 'demographics=0.3' }))).toEqual([
      { variable: 'MOCK_PROVIDER_KNOBS', problem: expect.stringContaining('must be JSON') },
    ]);
  });
});
