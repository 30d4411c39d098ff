import { describeEnv } from '@enrich/config';
import { loadTestEnvConfig, testEnvSchema } from './test-env.config';

describe('the test environment', () => {
  it.each(describeEnv(testEnvSchema).map((variable) => [variable.name, variable] as const))(
    '%s has a one-line description, and a default',
    (_name, variable) => {
      expect(variable.description).toEqual(expect.stringMatching(/^\S[^\n]*$/));
      expect(variable.required).toBe(false);
    },
  );

  it("defaults to the test stack's mock providers and template database", () => {
    const env = loadTestEnvConfig({});
    expect(env.mockEnrichmentUrl).toBe('http://127.0.0.1:14010');
    expect(env.templateDatabase).toBe('enrich_template');
    expect(env.codec.keyProvider.kind).toBe('local');
  });
});
