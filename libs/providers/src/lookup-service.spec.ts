import { FieldSealer, LocalKeyProvider } from '@enrich/codec';
import { CountingKeyProvider } from '@enrich/codec/testing';
import type { CachedAnswer } from '@enrich/db';
import { type CustomerRecord, EMPTY_LOOKUPS, isSealed, type Sealed, type StoredEnrichedField } from '@enrich/domain';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProviderLookup } from './vendor-client';
import { LookupService, type ProviderClient } from './lookup-service';
import {
  ProviderConfigurationError,
  ProviderMalformedAnswerError,
  ProviderOutOfCreditsError,
  ProviderRateLimitedError,
  ProviderRejectedError,
  ProviderUnavailableError,
} from './errors';
import { RateBudget } from './rate-budget';

class MemoryCache {
  readonly entries = new Map<string, CachedAnswer>();
  async getMany(_provider: string, keys: readonly string[]) {
    return new Map(keys.filter((k) => this.entries.has(k)).map((k) => [k, this.entries.get(k) as CachedAnswer]));
  }
  async putMany(_provider: string, answers: ReadonlyArray<{ key: string } & CachedAnswer>) {
    for (const { key, ...answer } of answers) this.entries.set(key, answer);
  }
}

function provider(answer: (record: CustomerRecord, call: number) => ProviderLookup | Error): ProviderClient & { calls: string[] } {
  const calls: string[] = [];
  return {
    name: 'demographics',
    calls,
    request: (record) => ({ email: record.email }),
    async lookup(record) {
      calls.push(String(record.email));
      const result = answer(record, calls.length);
      if (result instanceof Error) throw result;
      return result;
    },
  };
}

const found = (email: string): ProviderLookup => ({
  kind: 'found',
  fields: [{ field: 'region', value: `r-${email}`, provider: 'mock-demographics', confidence: 0.9, fetchedAt: '2026-01-01T00:00:00.000Z' }],
});
const record = (email: string): CustomerRecord => ({ email });
const signal = new AbortController().signal;

describe('LookupService', () => {
  let dir: string;
  let keys: CountingKeyProvider;
  let sealer: FieldSealer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lookup-seal-'));
    keys = new CountingKeyProvider(new LocalKeyProvider({ keyFile: join(dir, 'keys.json') }));
    sealer = new FieldSealer({ keys, namespace: 'default' });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('calls once per distinct contact in a batch and serves later batches from the cache', async () => {
    const client = provider((r) => (String(r.email).startsWith('gone') ? { kind: 'not_found', provider: 'demographics' } : found(String(r.email))));
    const cache = new MemoryCache();
    const service = new LookupService({ provider: client, budget: new RateBudget({ requestsPerSecond: 0, maxInFlight: 4 }), cache, cacheTtlMs: 1_000, sealer });
    const stats = { ...EMPTY_LOOKUPS };
    const first = await service.lookupMany([record('a@x.io'), record(' A@X.io '), record('gone@x.io')], signal, stats);
    expect(client.calls).toEqual(['a@x.io', 'gone@x.io']);
    expect(first.map((o) => o.kind)).toEqual(['found', 'found', 'not_found']);
    // The second spelling of a@x.io shares the first one's call.
    expect(stats).toEqual({ cacheHits: 0, providerCalls: 2, sharedCalls: 1, vendors: { demographics: { calls: 2, matches: 1, credits: 0 } } });

    const second = await service.lookupMany([record('a@x.io'), record('gone@x.io')], signal, stats);
    expect(client.calls).toHaveLength(2);
    expect(second).toEqual([
      { kind: 'found', fromCache: true, fields: [expect.objectContaining({ field: 'region', fromCache: true })] },
      { kind: 'not_found', provider: 'demographics', fromCache: true },
    ]);
    expect(stats).toEqual({ cacheHits: 2, providerCalls: 2, sharedCalls: 1, vendors: { demographics: { calls: 2, matches: 1, credits: 0 } } });
  });

  it('stops calling a vendor that refused its credentials: every row says why, no retry storm', async () => {
    const client = provider(() => new ProviderConfigurationError('demographics: credentials refused (401): Check the API key', 'demographics', 401));
    const service = new LookupService({
      provider: client,
      budget: new RateBudget({ requestsPerSecond: 0, maxInFlight: 1 }),
      cacheTtlMs: 0,
      callBackoffMs: 1,
      sealer,
    });
    const first = await service.lookupMany([record('a@x.io'), record('b@x.io')], signal);
    const later = await service.lookupMany([record('c@x.io')], signal);
    for (const outcome of [...first, ...later]) expect(outcome).toEqual({ kind: 'rejected', reason: expect.stringContaining('Check the API key') });
    // One call (in flight one at a time): the first refusal switched the vendor off.
    expect(client.calls).toEqual(['a@x.io']);
  });

  it('pauses a vendor out of credits: rows wait (unavailable) with no call until the pause is over, then it is asked again', async () => {
    let clock = 1_000_000;
    const client = provider((_r, call) =>
      call === 1 ? new ProviderOutOfCreditsError('demographics: out of credits (402)', 'demographics', 60_000) : found('x'),
    );
    const service = new LookupService({
      provider: client,
      budget: new RateBudget({ requestsPerSecond: 0, maxInFlight: 1 }),
      cacheTtlMs: 0,
      sealer,
      now: () => clock,
    });
    const [first, second] = await service.lookupMany([record('a@x.io'), record('b@x.io')], signal);
    expect(first).toEqual({ kind: 'unavailable', error: expect.any(ProviderOutOfCreditsError) });
    expect(second).toEqual({ kind: 'unavailable', error: expect.any(ProviderOutOfCreditsError) });
    expect(client.calls).toEqual(['a@x.io']);
    clock += 59_000;
    expect((await service.lookupMany([record('c@x.io')], signal))[0].kind).toBe('unavailable');
    expect(client.calls).toHaveLength(1);
    clock += 2_000;
    expect((await service.lookupMany([record('c@x.io')], signal))[0].kind).toBe('found');
    expect(client.calls).toEqual(['a@x.io', 'c@x.io']);
  });

  it('records a malformed answer against the row (not retried) and counts what each vendor billed', async () => {
    const client = provider((r) => {
      if (r.email === 'odd@x.io') return new ProviderMalformedAnswerError('demographics: malformed answer (200)', 'demographics');
      if (r.email === 'gone@x.io') return { kind: 'not_found', provider: 'demographics' };
      return found(String(r.email));
    });
    const stats = { ...EMPTY_LOOKUPS };
    const service = new LookupService({
      provider: client,
      budget: new RateBudget({ requestsPerSecond: 0, maxInFlight: 4 }),
      cacheTtlMs: 0,
      sealer,
      cost: { perCall: 0.1, perMatch: 2 },
    });
    const outcomes = await service.lookupMany([record('odd@x.io'), record('gone@x.io'), record('a@x.io'), record('b@x.io')], signal, stats);
    expect(outcomes[0]).toEqual({ kind: 'rejected', reason: 'demographics: malformed answer (200)' });
    expect(client.calls.filter((e) => e === 'odd@x.io')).toHaveLength(1);
    // Four answered calls at 0.1, two matches at 2.
    expect(stats.vendors).toEqual({ demographics: { calls: 4, matches: 2, credits: 4.4 } });
  });

  it('retries 5xx, backs the whole provider off on 429, and reports what it could not serve', async () => {
    const budget = new RateBudget({ requestsPerSecond: 0, maxInFlight: 4 });
    const pauses: number[] = [];
    const pauseFor = budget.pauseFor.bind(budget);
    budget.pauseFor = (ms) => {
      pauses.push(ms);
      pauseFor(ms);
    };
    const client = provider((r, call) => {
      if (r.email === 'flaky@x.io' && call === 1) return new ProviderUnavailableError('503', 'demographics');
      if (r.email === 'busy@x.io' && call <= 3) return new ProviderRateLimitedError('429', 'demographics', 30);
      if (r.email === 'down@x.io') return new ProviderUnavailableError('503', 'demographics');
      if (r.email === 'bad@x.io') return new ProviderRejectedError('400: email invalid', 'demographics', 400);
      return found(String(r.email));
    });
    const service = new LookupService({ provider: client, budget, cacheTtlMs: 0, callAttempts: 3, callBackoffMs: 1, sealer });
    const [flaky, busy, down, bad] = await service.lookupMany([record('flaky@x.io'), record('busy@x.io'), record('down@x.io'), record('bad@x.io')], signal);
    expect(flaky.kind).toBe('found');
    expect(pauses.length).toBeGreaterThan(0);
    expect(pauses.every((ms) => ms === 30)).toBe(true);
    expect(['found', 'unavailable']).toContain(busy.kind);
    expect(down).toEqual({ kind: 'unavailable', error: expect.any(ProviderUnavailableError) });
    expect(bad).toEqual({ kind: 'rejected', reason: '400: email invalid' });
    expect(client.calls.filter((e) => e === 'down@x.io')).toHaveLength(3);
  });

  it('bills every request in the ledger before it leaves, retries included, and the matches and credits once answered', async () => {
    const ledger: Array<{ vendor: string; calls?: number; lookups?: number; matches?: number; credits?: number; sent: number }> = [];
    const client = provider((r, call) => {
      // Every request was recorded before it reached the vendor.
      expect(ledger.reduce((sum, entry) => sum + (entry.calls ?? 0), 0)).toBe(call);
      if (r.email === 'flaky@x.io' && client.calls.filter((e) => e === 'flaky@x.io').length <= 2) return new ProviderUnavailableError('503', 'demographics');
      if (r.email === 'gone@x.io') return { kind: 'not_found', provider: 'demographics' };
      return found(String(r.email));
    });
    const service = new LookupService({
      provider: client,
      budget: new RateBudget({ requestsPerSecond: 0, maxInFlight: 1 }),
      cacheTtlMs: 0,
      callAttempts: 4,
      callBackoffMs: 1,
      sealer,
      cost: { perCall: 0.5, perMatch: 1 },
    });
    const stats = { ...EMPTY_LOOKUPS };
    const outcomes = await service.lookupMany([record('flaky@x.io'), record('gone@x.io')], signal, stats, {
      record: async (vendor, usage) => {
        ledger.push({ vendor, ...usage, sent: client.calls.length });
      },
    });
    expect(outcomes.map((o) => o.kind)).toEqual(['found', 'not_found']);
    const sum = (key: 'calls' | 'lookups' | 'matches' | 'credits') => ledger.reduce((total, entry) => total + (entry[key] ?? 0), 0);
    // Four requests (flaky thrice, gone once) for two lookups; one match; 2 answered × 0.5 + 1 match × 1.
    expect({ calls: sum('calls'), lookups: sum('lookups'), matches: sum('matches'), credits: sum('credits') }).toEqual({
      calls: 4,
      lookups: 2,
      matches: 1,
      credits: 2,
    });
    expect(ledger.every((entry) => entry.vendor === 'demographics')).toBe(true);
    expect(stats.vendors).toEqual({ demographics: { calls: 4, matches: 1, credits: 2 } });
  });

  it('tells its observer how each request ended, with its latency, every cache hit and miss, and the budget in use', async () => {
    const calls: Array<[string, string]> = [];
    const cacheResults: boolean[] = [];
    const budgets: number[] = [];
    const client = provider((r) => {
      if (r.email === 'busy@x.io') return new ProviderRateLimitedError('429', 'demographics', 1);
      if (r.email === 'gone@x.io') return { kind: 'not_found', provider: 'demographics' };
      return found(String(r.email));
    });
    const cache = new MemoryCache();
    const service = new LookupService({
      provider: client,
      budget: new RateBudget({ requestsPerSecond: 0, maxInFlight: 4 }),
      cache,
      cacheTtlMs: 60_000,
      callAttempts: 1,
      sealer,
      observer: {
        called: (vendor, outcome, seconds) => {
          expect(seconds).toBeGreaterThanOrEqual(0);
          calls.push([vendor, outcome]);
        },
        cached: (_vendor, hit) => cacheResults.push(hit),
        budget: (_vendor, usage) => {
          expect(usage.maxInFlight).toBe(4);
          budgets.push(usage.inFlight);
        },
      },
    });
    await service.lookupMany([record('a@x.io'), record('gone@x.io'), record('busy@x.io')], signal);
    await service.lookupMany([record('a@x.io')], signal);
    expect(calls.sort()).toEqual([
      ['demographics', 'found'],
      ['demographics', 'not_found'],
      ['demographics', 'rate_limited'],
    ]);
    expect(cacheResults).toEqual([false, false, false, true]);
    expect(Math.max(...budgets)).toBeGreaterThan(0);
    expect(budgets.at(-1)).toBe(0);
  });

  it('shares one call between concurrent batches asking for the same contact', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const client = provider((r) => found(String(r.email)));
    const slow: ProviderClient = { ...client, lookup: async (r, s) => (await gate, client.lookup(r, s)) };
    const service = new LookupService({ provider: slow, budget: new RateBudget({ requestsPerSecond: 0, maxInFlight: 4 }), cacheTtlMs: 0, sealer });
    const statsA = { ...EMPTY_LOOKUPS };
    const statsB = { ...EMPTY_LOOKUPS };
    const pageA = service.lookupMany([record('same@x.io')], signal, statsA);
    const pageB = service.lookupMany([record('same@x.io'), record('other@x.io')], signal, statsB);
    release();
    const [[a], [b, other]] = await Promise.all([pageA, pageB]);
    expect(a).toEqual(b);
    // The shared call is counted (and billed) once, by the batch that made it.
    expect(statsA).toEqual({ cacheHits: 0, providerCalls: 1, sharedCalls: 0, vendors: { demographics: { calls: 1, matches: 1, credits: 0 } } });
    expect(statsB).toEqual({ cacheHits: 0, providerCalls: 1, sharedCalls: 1, vendors: { demographics: { calls: 1, matches: 1, credits: 0 } } });
    expect(other.kind).toBe('found');
    expect(client.calls.sort()).toEqual(['other@x.io', 'same@x.io']);
  });

  describe('personal values at rest', () => {
    const contact = (email: string): ProviderLookup => ({
      kind: 'found',
      fields: [
        { field: 'work_email', value: `work.${email}`, provider: 'mock-email-finder', confidence: 0.9, fetchedAt: '2026-01-01T00:00:00.000Z' },
        { field: 'email_status', value: 'valid', provider: 'mock-email-finder', confidence: 0.9, fetchedAt: '2026-01-01T00:00:00.000Z' },
        { field: 'phone', value: null, provider: 'mock-phone-finder', confidence: 0.9, fetchedAt: '2026-01-01T00:00:00.000Z' },
      ],
    });
    const valueOf = (fields: readonly StoredEnrichedField[], name: string) => fields.find((f) => f.field === name)?.value;
    const budget = () => new RateBudget({ requestsPerSecond: 0, maxInFlight: 4 });

    it('seals personal values as the provider answers: the cache and the caller only see them sealed', async () => {
      const cache = new MemoryCache();
      const service = new LookupService({ provider: provider((r) => contact(String(r.email))), budget: budget(), cache, cacheTtlMs: 1_000, sealer });
      const emails = Array.from({ length: 50 }, (_, i) => `p${i}@x.io`);
      keys.reset();
      const outcomes = await service.lookupMany(emails.map(record), signal);
      // One data key for the whole batch: sealing costs no key-provider call per value.
      expect(keys.calls.generateDataKey).toBeLessThanOrEqual(1);
      for (const [i, outcome] of outcomes.entries()) {
        if (outcome.kind !== 'found') throw new Error(`expected found, got ${outcome.kind}`);
        const workEmail = valueOf(outcome.fields, 'work_email');
        expect(isSealed(workEmail)).toBe(true);
        expect(await sealer.open(workEmail as Sealed<string>)).toBe(`work.${emails[i]}`);
        expect(valueOf(outcome.fields, 'email_status')).toBe('valid');
        expect(valueOf(outcome.fields, 'phone')).toBeNull();
      }
      const stored = JSON.stringify([...cache.entries.values()]);
      expect(emails.filter((email) => stored.includes(email))).toEqual([]);
      expect(stored).toContain('"valid"');
    });

    it('passes a cached sealed value on as it is, and seals one cached in plaintext before this', async () => {
      const cache = new MemoryCache();
      const client = provider((r) => contact(String(r.email)));
      const service = new LookupService({ provider: client, budget: budget(), cache, cacheTtlMs: 1_000, sealer });
      const [first] = await service.lookupMany([record('a@x.io')], signal);
      const key = [...cache.entries.keys()][0];
      // An answer cached before enriched values were sealed.
      const legacyKey = 'legacy';
      const legacy = contact('old@x.io');
      if (legacy.kind !== 'found') throw new Error('unreachable');
      cache.entries.set(legacyKey, { found: true, fields: legacy.fields, fetchedAt: new Date() });
      jest
        .spyOn(cache, 'getMany')
        .mockImplementation(async (_provider, keys) => new Map(keys.map((k, i) => [k, cache.entries.get(i === 0 ? key : legacyKey) as CachedAnswer])));

      const [hit, old] = await service.lookupMany([record('a@x.io'), record('b@x.io')], signal);
      expect(client.calls).toEqual(['a@x.io']);
      if (first.kind !== 'found' || hit.kind !== 'found' || old.kind !== 'found') throw new Error('expected found');
      // Not opened and sealed again: the very ciphertext that was cached.
      expect(valueOf(hit.fields, 'work_email')).toEqual(valueOf(first.fields, 'work_email'));
      expect(hit.fields.every((f) => f.fromCache)).toBe(true);
      const oldWorkEmail = valueOf(old.fields, 'work_email');
      expect(isSealed(oldWorkEmail)).toBe(true);
      expect(await sealer.open(oldWorkEmail as Sealed<string>)).toBe('work.old@x.io');
      expect(valueOf(old.fields, 'email_status')).toBe('valid');
    });
  });
});
