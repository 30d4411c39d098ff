import { InvalidRequestError, ProviderUnavailableError, RateLimitedError, RecordNotFoundError, UnknownProviderError } from './errors';
import type { Knobs } from './knobs';
import { builtInProviders } from './providers';
import { ProviderSimulator, type SimulatorOptions } from './simulator';

const quiet: Knobs = { latencyMs: 0, jitterMs: 0, failureRate: 0, notFoundRate: 0, rateLimitPerSecond: 0 };
const emails = Array.from({ length: 300 }, (_, i) => `person${i}@example.com`);

function simulator(knobs: Partial<Knobs> = {}, options: Partial<SimulatorOptions> = {}): ProviderSimulator {
  return new ProviderSimulator({ providers: builtInProviders, seed: 'seed-a', defaultKnobs: { ...quiet, ...knobs }, ...options });
}

async function unknownEmails(target: ProviderSimulator, provider = 'demographics', knobsHeader?: string): Promise<string[]> {
  const unknown: string[] = [];
  for (const email of emails) {
    await target.lookup(provider, { email }, knobsHeader).catch((error: unknown) => {
      if (!(error instanceof RecordNotFoundError)) throw error;
      unknown.push(email);
    });
  }
  return unknown;
}

describe('ProviderSimulator', () => {
  it('decides unknown records by hash: the same records every time, on every instance', async () => {
    const first = await unknownEmails(simulator({ notFoundRate: 0.3 }));
    expect(first.length).toBeGreaterThan(emails.length * 0.2);
    expect(first.length).toBeLessThan(emails.length * 0.4);
    expect(await unknownEmails(simulator({ notFoundRate: 0.3 }))).toEqual(first);
    // A higher rate only adds unknown records; none that were known before flip back.
    const more = await unknownEmails(simulator({ notFoundRate: 0.6 }));
    expect(more).toEqual(expect.arrayContaining(first));
    expect(await unknownEmails(simulator({ notFoundRate: 1 }))).toEqual(emails);
    expect(await unknownEmails(simulator({ notFoundRate: 0 }))).toEqual([]);
  });

  it('gives each vendor of a group its own unknown records, so a second vendor knows some the first does not', async () => {
    const target = simulator({ notFoundRate: 0.3 });
    const first = await unknownEmails(target, 'demographics');
    const second = await unknownEmails(target, 'people-data');
    expect(second.length).toBeGreaterThan(emails.length * 0.2);
    expect(first.filter((email) => !second.includes(email)).length).toBeGreaterThan(first.length / 2);
  });

  it('takes knobs of single providers from its configuration, the header and the admin API, the most specific winning', async () => {
    const target = simulator({ notFoundRate: 0.3 }, { providerKnobs: { 'people-data': { notFoundRate: 0 }, firmographics: { latencyMs: 7 } } });
    expect(target.knobs('people-data')).toEqual({ ...quiet, notFoundRate: 0 });
    expect(target.knobs('firmographics')).toEqual({ ...quiet, notFoundRate: 0.3, latencyMs: 7 });
    expect(await unknownEmails(target, 'people-data')).toEqual([]);
    expect((await unknownEmails(target, 'demographics')).length).toBeGreaterThan(0);

    // In the header, knobs under `providers` beat those for every provider.
    const header = JSON.stringify({ notFoundRate: 1, providers: { 'people-data': { notFoundRate: 0 } } });
    expect(await unknownEmails(target, 'demographics', header)).toEqual(emails);
    expect(await unknownEmails(target, 'people-data', header)).toEqual([]);

    target.updateKnobs('people-data', { notFoundRate: 1 });
    expect(await unknownEmails(target, 'people-data')).toEqual(emails);
    target.reset();
    expect(target.knobs('people-data')).toEqual({ ...quiet, notFoundRate: 0 });
  });

  it('refuses knobs for a provider that does not exist, in the header and in its configuration', async () => {
    const target = simulator();
    const refused = target.lookup('demographics', { email: 'ada@example.com' }, '{"providers":{"peopledata":{"notFoundRate":1}}}');
    await expect(refused).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(refused).rejects.toMatchObject({
      details: { issues: [{ path: 'x-mock-knobs.providers.peopledata', message: expect.stringContaining('people-data') }] },
    });
    expect(target.stats()['demographics']?.invalid).toBe(1);
    expect(() => simulator({}, { providerKnobs: { peopledata: { notFoundRate: 1 } } })).toThrow(/unknown provider\(s\) peopledata/);
  });

  it('counts the calls of each API key on their own as well', async () => {
    const target = simulator({ notFoundRate: 1 });
    await target.lookup('demographics', { email: 'ada@example.com' }, undefined, 'suite-a').catch(() => undefined);
    await target.lookup('people-data', { email: 'bad' }, undefined, 'suite-a').catch(() => undefined);
    await target.lookup('demographics', { email: 'ada@example.com' }, undefined, 'suite-b').catch(() => undefined);
    await target.lookup('demographics', { email: 'ada@example.com' }).catch(() => undefined);
    target.recordInvalid('people-data', 'suite-a');
    const zero = { ok: 0, not_found: 0, rate_limited: 0, failed: 0, invalid: 0 };
    expect(target.stats('suite-a')).toMatchObject({ demographics: { ...zero, not_found: 1 }, 'people-data': { ...zero, invalid: 2 } });
    expect(target.stats('suite-b')['demographics']).toEqual({ ...zero, not_found: 1 });
    expect(target.stats()['demographics']).toEqual({ ...zero, not_found: 3 });
    expect(target.stats('never-seen')['demographics']).toEqual(zero);
    target.reset();
    expect(target.stats('suite-a')['people-data']).toEqual(zero);
  });

  it('fails at random with failureRate, transiently', async () => {
    const rolls = [0.1, 0.9];
    const target = simulator({ failureRate: 0.5 }, { random: () => rolls.shift() ?? 0 });
    await expect(target.lookup('demographics', { email: 'ada@example.com' })).rejects.toBeInstanceOf(ProviderUnavailableError);
    await expect(target.lookup('demographics', { email: 'ada@example.com' })).resolves.toMatchObject({ provider: 'mock-demographics' });
    expect(target.stats()['demographics']).toEqual({ ok: 1, not_found: 0, rate_limited: 0, failed: 1, invalid: 0 });
  });

  it('waits latency plus jitter before every answer except invalid ones', async () => {
    const sleep = jest.fn(async () => undefined);
    const target = simulator({ latencyMs: 20, jitterMs: 10, notFoundRate: 1 }, { sleep, random: () => 0.5 });
    await expect(target.lookup('demographics', { email: 'ada@example.com' })).rejects.toBeInstanceOf(RecordNotFoundError);
    expect(sleep).toHaveBeenCalledWith(25);
    await expect(target.lookup('demographics', { email: 'nope' })).rejects.toBeInstanceOf(InvalidRequestError);
    expect(sleep).toHaveBeenCalledTimes(1);
  });

  it('keys rate-limit buckets by provider and x-mock-knobs value', async () => {
    const target = simulator({ rateLimitPerSecond: 1 }, { now: () => 0 });
    const body = { email: 'ada@example.com' };
    await target.lookup('demographics', body);
    await expect(target.lookup('demographics', body)).rejects.toBeInstanceOf(RateLimitedError);
    await expect(target.lookup('firmographics', { domain: 'acme.com' })).resolves.toBeDefined();
    await expect(target.lookup('demographics', body, '{"latencyMs":0}')).resolves.toBeDefined();
    await expect(target.lookup('demographics', body, '{"latencyMs":0}')).rejects.toBeInstanceOf(RateLimitedError);
    target.reset();
    await expect(target.lookup('demographics', body)).resolves.toBeDefined();
  });

  it('lets a request override the knobs for itself only', async () => {
    const target = simulator();
    await expect(target.lookup('demographics', { email: 'ada@example.com' }, '{"notFoundRate":1}')).rejects.toBeInstanceOf(RecordNotFoundError);
    await expect(target.lookup('demographics', { email: 'ada@example.com' })).resolves.toBeDefined();
  });

  it('layers admin overrides over defaults and clears them on reset', () => {
    const target = simulator({ latencyMs: 5 });
    expect(target.updateKnobs('demographics', { failureRate: 1 }).knobs).toEqual({ ...quiet, latencyMs: 5, failureRate: 1 });
    expect(target.knobs('firmographics')).toEqual({ ...quiet, latencyMs: 5 });
    expect(target.updateKnobs('demographics', { failureRate: null }).overrides).toEqual({});
    target.updateKnobs('demographics', { notFoundRate: 1 });
    target.reset();
    expect(target.knobs('demographics')).toEqual({ ...quiet, latencyMs: 5 });
    expect(() => target.knobs('nope')).toThrow(UnknownProviderError);
  });
});
