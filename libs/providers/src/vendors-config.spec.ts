import { DEFAULT_WATERFALL } from '@enrich/domain';
import { defaultVendorsConfig, resolveVendorsConfig, type VendorsEnvironment, type VendorsFile } from './vendors-config';

const THREE_VENDORS: VendorsFile = {
  vendors: {
    pdl: { adapter: 'pdl-person', apiKey: { env: 'PDL_API_KEY' }, budget: { requestsPerSecond: 15, maxInFlight: 8 } },
    hunter: { adapter: 'hunter-email-finder', apiKey: { file: '/run/secrets/hunter' }, cost: { perMatch: 1 } },
    clearbit: { adapter: 'clearbit-company', baseUrl: 'http://127.0.0.1:14010/', apiKey: { env: 'CLEARBIT_KEY' } },
    demographics: { adapter: 'demographics' },
  },
  waterfall: { demographics: ['pdl', 'demographics'], contact: ['hunter', 'pdl'], firmographics: ['clearbit'] },
};

const environment = (env: Record<string, string>, files: Record<string, string> = {}): VendorsEnvironment => ({
  env,
  readFile: (path) => {
    if (!(path in files)) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    return files[path];
  },
  platformBaseUrl: 'http://mock:14010',
});

describe('resolveVendorsConfig', () => {
  it('resolves adapters, public or configured URLs, keys from env and secret files, budgets, costs and the waterfall', () => {
    const result = resolveVendorsConfig(
      THREE_VENDORS,
      environment({ PDL_API_KEY: 'pdl-key', CLEARBIT_KEY: 'sk_cb' }, { '/run/secrets/hunter': 'hunter-key\n' }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const byName = Object.fromEntries(result.config.vendors.map((v) => [v.name, v]));
    expect(byName.pdl).toMatchObject({
      baseUrl: 'https://api.peopledatalabs.com',
      apiKey: 'pdl-key',
      budget: { requestsPerSecond: 15, maxInFlight: 8 },
      cost: { perMatch: 1 },
    });
    expect(byName.hunter).toMatchObject({ baseUrl: 'https://api.hunter.io', apiKey: 'hunter-key', cost: { perMatch: 1 } });
    expect(byName.clearbit).toMatchObject({ baseUrl: 'http://127.0.0.1:14010', apiKey: 'sk_cb', cost: { perCall: 1 } });
    expect(byName.demographics).toMatchObject({ baseUrl: 'http://mock:14010', apiKey: undefined });
    expect(result.config.waterfall).toEqual({ demographics: ['pdl', 'demographics'], firmographics: ['clearbit'], contact: ['hunter', 'pdl'], web: [] });
  });

  it('reports every problem, each naming its entry', () => {
    const file = {
      vendors: {
        pdl: { adapter: 'pdl-person', apiKey: { env: 'PDL_API_KEY' } },
        hunter: { adapter: 'hunter-email-finder', apiKey: { file: '/missing' } },
        cb: { adapter: 'clearbit' },
        spare: { adapter: 'phone-finder' },
        nokey: { adapter: 'clearbit-company' },
      },
      waterfall: { firmographics: ['hunter', 'ghost', 'nokey', 'nokey'], contact: ['pdl', 'hunter'] },
    };
    const result = resolveVendorsConfig(file, environment({}));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual(
      expect.arrayContaining([
        { path: 'vendors.pdl.apiKey.env', message: "PDL_API_KEY is not set: export the vendor's API key in it" },
        { path: 'vendors.hunter.apiKey.file', message: 'cannot read /missing: ENOENT' },
        { path: 'vendors.cb.adapter', message: expect.stringMatching(/^unknown adapter "clearbit" \(known: .*clearbit-company/) },
        { path: 'vendors.nokey.apiKey', message: expect.stringContaining('clearbit-company needs an API key') },
        { path: 'waterfall.firmographics.0', message: expect.stringContaining('"hunter" (hunter-email-finder) answers none of the firmographics fields') },
        { path: 'waterfall.firmographics.1', message: expect.stringContaining('"ghost" is not a declared vendor') },
        { path: 'waterfall.firmographics.3', message: '"nokey" is listed twice' },
        { path: 'vendors.spare', message: 'declared but in no waterfall group: add it to one or remove it' },
      ]),
    );
  });

  it('refuses unknown keys, bad numbers and groups that are not looked up', () => {
    const result = resolveVendorsConfig(
      { vendors: { pdl: { adapter: 'pdl-person', budget: { maxInFlight: 0 }, colour: 'red' } }, waterfall: { web: ['pdl'] } },
      environment({}),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual(
      expect.arrayContaining([
        { path: 'vendors.pdl.budget.maxInFlight', message: expect.stringContaining('>=1') },
        { path: 'vendors.pdl', message: expect.stringContaining('colour') },
        { path: 'waterfall', message: expect.stringContaining('web') },
      ]),
    );
  });
});

describe('defaultVendorsConfig', () => {
  it("is the platform's own providers at the mock's URL, in the default waterfall", () => {
    const config = defaultVendorsConfig('http://mock:14010');
    expect(config.vendors.map((v) => v.name).sort()).toEqual(Object.values(DEFAULT_WATERFALL).flat().sort());
    expect(config.vendors.every((v) => v.baseUrl === 'http://mock:14010' && v.adapter.kind === v.name)).toBe(true);
    expect(config.waterfall).toEqual(DEFAULT_WATERFALL);
  });
});
