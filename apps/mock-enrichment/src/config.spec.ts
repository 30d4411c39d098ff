import { ConfigError, describeEnv, formatEnvHelp } from '@enrich/config';
import { loadMockEnrichmentConfig, mockEnrichmentEnvSchema } from './config';

/** The issues of the ConfigError `load` throws. */
function issuesOf(load: () => unknown): ConfigError['issues'] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('--help of mock-enrichment', () => {
  const variables = describeEnv(mockEnrichmentEnvSchema);

  it.each(variables.map((variable) => [variable.name, variable] as const))('%s has a one-line description', (_name, variable) => {
    expect(variable.description).toEqual(expect.stringMatching(/^\S[^\n]*$/));
  });

  it("requires no variable: the dev stack's defaults are embedded", () => {
    expect(variables.filter((variable) => variable.required)).toEqual([]);
  });

  it('names every variable', () => {
    const help = formatEnvHelp('mock-enrichment', 'What it does.', mockEnrichmentEnvSchema);
    for (const variable of variables) expect(help).toMatch(new RegExp(`^  ${variable.name} `, 'm'));
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

  it('names the variable and the entry of a bad knob', () => {
    expect(issuesOf(() => loadMockEnrichmentConfig({ MOCK_PROVIDER_KNOBS: '{"demographics":{"notFoundRate":2,"typo":1}}' }))).toEqual([
      { variable: 'MOCK_PROVIDER_KNOBS', problem: expect.stringMatching(/^demographics\.notFoundRate: /) },
      { variable: 'MOCK_PROVIDER_KNOBS', problem: expect.stringMatching(/^demographics: .*typo/) },
    ]);
    expect(issuesOf(() => loadMockEnrichmentConfig({ MOCK_PROVIDER_KNOBS: 'demographics=0.3' }))).toEqual([
      { variable: 'MOCK_PROVIDER_KNOBS', problem: expect.stringContaining('must be JSON') },
    ]);
  });
});
