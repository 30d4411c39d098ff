import { describeEnv } from '@enrich/config';
import { envHelpProblems } from '@enrich/config/testing';
import { cliEnvSchema, gatewayEnvSchema, loadCliConfig, loadGatewayConfig } from './config';

describe('--help of api-gateway', () => {
  const variables = describeEnv(gatewayEnvSchema);

  it('describes every variable in one line, requires none (the dev stack is the default) and lists them all', () => {
    expect(envHelpProblems('api-gateway', gatewayEnvSchema)).toEqual([]);
  });

  it('shows defaults as they would be set in the environment', () => {
    const gateway = Object.fromEntries(variables.map((variable) => [variable.name, variable]));
    expect(gateway.PORT).toEqual({ name: 'PORT', default: '3000', required: false, description: 'HTTP port of the REST API.' });
    expect(gateway.HOST.default).toBe('127.0.0.1');
    expect(gateway.BLOB_DIR.default).toBe('.stack/demo/blobs');
  });
});

describe("the enrich CLI's environment", () => {
  it('describes every variable in one line and requires none', () => {
    expect(envHelpProblems('enrich', cliEnvSchema)).toEqual([]);
  });
});

describe('loadGatewayConfig', () => {
  it('rejects a port out of range and converts the upload limit to bytes', () => {
    expect(() => loadGatewayConfig({ PORT: '70000' })).toThrow(/PORT/);
    expect(loadGatewayConfig({ MAX_UPLOAD_MB: '2' }).maxUploadBytes).toBe(2 * 1024 * 1024);
  });
});

describe('loadCliConfig', () => {
  it("defaults to the dev stack's gateway and strips a trailing slash", () => {
    expect(loadCliConfig({})).toMatchObject({ apiUrl: 'http://127.0.0.1:3000', apiKey: undefined });
    expect(loadCliConfig({ ENRICH_API_URL: 'https://enrich.example.com/', ENRICH_API_KEY: 'ek_x' })).toMatchObject({
      apiUrl: 'https://enrich.example.com',
      apiKey: 'ek_x',
    });
  });
});
