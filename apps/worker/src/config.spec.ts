import { ConfigError, describeEnv } from '@enrich/config';
import { configIssues, envHelpProblems } from '@enrich/config/testing';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWorkerConfig, workerEnvSchema } from './config';

describe('--help of worker', () => {
  const variables = describeEnv(workerEnvSchema);

  it('describes every variable in one line, requires none (the dev stack is the default) and lists them all', () => {
    expect(envHelpProblems('worker', workerEnvSchema)).toEqual([]);
  });

  it('shows defaults as they would be set in the environment', () => {
    const worker = Object.fromEntries(variables.map((variable) => [variable.name, variable]));
    expect(worker.MOCK_ENRICHMENT_URL.default).toBe('http://127.0.0.1:4010');
    expect(worker.PROVIDER_BUDGETS.default).toBe('""');
  });
});

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

  it('sizes the worker process: workflow cache, heap limit and malloc settings', () => {
    expect(loadWorkerConfig({}).worker).toMatchObject({ maxCachedWorkflows: 50, maxHeapMb: 256, glibcTunables: undefined });
    const config = loadWorkerConfig({ WORKER_MAX_CACHED_WORKFLOWS: '12', WORKER_MAX_HEAP_MB: '512', GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' });
    expect(config.worker).toMatchObject({ maxCachedWorkflows: 12, maxHeapMb: 512, glibcTunables: 'glibc.malloc.arena_max=2' });
    expect(configIssues(() => loadWorkerConfig({ WORKER_MAX_HEAP_MB: '0' })).map((i) => i.variable)).toEqual(['WORKER_MAX_HEAP_MB']);
  });

  it('keeps every workflow task in flight within the workflow cache', () => {
    expect(configIssues(() => loadWorkerConfig({ WORKER_MAX_CACHED_WORKFLOWS: '4', MAX_CONCURRENT_WORKFLOW_TASKS: '10' }))).toEqual([
      { variable: 'WORKER_MAX_CACHED_WORKFLOWS', problem: 'must be at least MAX_CONCURRENT_WORKFLOW_TASKS' },
    ]);
    expect(loadWorkerConfig({ WORKER_MAX_CACHED_WORKFLOWS: '10', MAX_CONCURRENT_WORKFLOW_TASKS: '10' }).worker.maxCachedWorkflows).toBe(10);
  });

  it('requires both TLS paths or neither', () => {
    expect(() => loadWorkerConfig({ TEMPORAL_TLS_CERT_PATH: '/c.pem' })).toThrow(/TEMPORAL_TLS_CERT_PATH: set both or neither/);
    expect(loadWorkerConfig({ TEMPORAL_TLS_CERT_PATH: '/c.pem', TEMPORAL_TLS_KEY_PATH: '/k.pem' }).temporal.tls).toEqual({
      certPath: '/c.pem',
      keyPath: '/k.pem',
    });
  });
});

describe('PROVIDER_BUDGETS', () => {
  it('gives the named providers budgets of their own, filling what an entry leaves out from the globals', () => {
    const config = loadWorkerConfig({
      PROVIDER_RATE_LIMIT_RPS: '100',
      PROVIDER_MAX_IN_FLIGHT: '32',
      PROVIDER_BUDGETS: ' demographics=50/16, people-data=2.5 ,company-registry=/4,firmographics=0/8',
    });
    expect(config.providers).toMatchObject({ rateLimitPerSecond: 100, maxInFlight: 32 });
    expect(config.providers.budgets).toEqual({
      demographics: { requestsPerSecond: 50, maxInFlight: 16 },
      'people-data': { requestsPerSecond: 2.5, maxInFlight: 32 },
      'company-registry': { requestsPerSecond: 100, maxInFlight: 4 },
      firmographics: { requestsPerSecond: 0, maxInFlight: 8 },
    });
  });

  it('is empty when unset: every provider gets the globals', () => {
    expect(loadWorkerConfig({}).providers.budgets).toEqual({});
    expect(loadWorkerConfig({ PROVIDER_BUDGETS: '' }).providers.budgets).toEqual({});
  });

  it('names the variable and quotes each bad entry', () => {
    const issues = configIssues(() =>
      loadWorkerConfig({ PROVIDER_BUDGETS: 'demographics=fast/16,people-data=10/0,Bad Name=1/1,firmographics,demographics=1/1,email-finder=/' }),
    );
    expect(issues).toEqual([
      { variable: 'PROVIDER_BUDGETS', problem: '"demographics=fast/16": requests per second must be a number ≥ 0 (0 = unlimited)' },
      { variable: 'PROVIDER_BUDGETS', problem: '"people-data=10/0": max in flight must be a whole number ≥ 1' },
      { variable: 'PROVIDER_BUDGETS', problem: expect.stringMatching(/^"Bad Name=1\/1": expected <provider>=<requests per second>\/<max in flight>/) },
      { variable: 'PROVIDER_BUDGETS', problem: expect.stringMatching(/^"firmographics": expected /) },
      { variable: 'PROVIDER_BUDGETS', problem: '"demographics=1/1": demographics is given more than once' },
      { variable: 'PROVIDER_BUDGETS', problem: expect.stringMatching(/^"email-finder=\/": set requests per second, max in flight, or both/) },
    ]);
    expect(() => loadWorkerConfig({ PROVIDER_BUDGETS: 'demographics=1/2/3' })).toThrow(/PROVIDER_BUDGETS: "demographics=1\/2\/3": max in flight/);
  });
});

describe('VENDORS_CONFIG_FILE', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vendors-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function file(name: string, content: unknown): string {
    const at = join(dir, name);
    writeFileSync(at, typeof content === 'string' ? content : JSON.stringify(content));
    return at;
  }

  it('reads the vendors, their keys from the environment, and the waterfall', () => {
    const at = file('ok.json', {
      vendors: { pdl: { adapter: 'pdl-person', apiKey: { env: 'PDL_API_KEY' } }, demographics: { adapter: 'demographics' } },
      waterfall: { demographics: ['pdl', 'demographics'] },
    });
    const config = loadWorkerConfig({ VENDORS_CONFIG_FILE: at, PDL_API_KEY: 'k-123', MOCK_ENRICHMENT_URL: 'http://mock:9' });
    expect(config.vendors?.vendors.map((v) => [v.name, v.baseUrl, v.apiKey])).toEqual([
      ['pdl', 'https://api.peopledatalabs.com', 'k-123'],
      ['demographics', 'http://mock:9', undefined],
    ]);
    expect(config.vendors?.waterfall.demographics).toEqual(['pdl', 'demographics']);
  });

  it('accepts the example of the README (apps/worker/vendors.example.json)', () => {
    const secret = file('hunter-key', 'hunter-secret\n');
    const example = JSON.parse(readFileSync(join(__dirname, '..', 'vendors.example.json'), 'utf8')) as { vendors: { hunter: { apiKey: { file: string } } } };
    example.vendors.hunter.apiKey.file = secret;
    const config = loadWorkerConfig({ VENDORS_CONFIG_FILE: file('example.json', example), PDL_API_KEY: 'p', CLEARBIT_API_KEY: 'c' });
    expect(config.vendors?.vendors.map((v) => `${v.name}:${v.adapter.kind}:${v.apiKey ?? '-'}`)).toEqual([
      'pdl:pdl-person:p',
      'hunter:hunter-email-finder:hunter-secret',
      'clearbit:clearbit-company:c',
      'demographics:demographics:-',
      'company-registry:company-registry:-',
    ]);
  });

  it('refuses to start on a file it cannot use, naming the variable, the file and each entry', () => {
    const bad = file('bad.json', { vendors: { pdl: { adapter: 'pdl-person', apiKey: { env: 'PDL_API_KEY' } } }, waterfall: { contact: ['pdl', 'nobody'] } });
    expect(configIssues(() => loadWorkerConfig({ VENDORS_CONFIG_FILE: bad }))).toEqual([
      { variable: 'VENDORS_CONFIG_FILE', problem: `${bad}: vendors.pdl.apiKey.env: PDL_API_KEY is not set: export the vendor's API key in it` },
      { variable: 'VENDORS_CONFIG_FILE', problem: expect.stringContaining(`${bad}: waterfall.contact.1: "nobody" is not a declared vendor`) },
    ]);
    const broken = file('broken.json', '{"vendors": ');
    expect(configIssues(() => loadWorkerConfig({ VENDORS_CONFIG_FILE: broken }))).toEqual([
      { variable: 'VENDORS_CONFIG_FILE', problem: expect.stringMatching(new RegExp(`^${broken}: \\(file\\): not valid JSON`)) },
    ]);
    expect(() => loadWorkerConfig({ VENDORS_CONFIG_FILE: join(dir, 'absent.json') })).toThrow(ConfigError);
  });
});
