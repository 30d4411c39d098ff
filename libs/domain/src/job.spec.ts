import { pagesToCrawl, researchQueries } from './research';
import fc from 'fast-check';
import { addLookups, completion, EMPTY_COUNTS, EMPTY_LOOKUPS, jobProgress, pageAt, withBilledUsage } from './job';

describe('pageAt', () => {
  it('covers every row exactly once whatever the sizes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 1, max: 300 }), (total, pageSize) => {
        const seen: number[] = [];
        for (let page = pageAt(1, total, pageSize); page; page = pageAt(page.to, total, pageSize)) {
          expect(page.to - page.from).toBeLessThanOrEqual(pageSize);
          for (let row = page.from; row < page.to; row++) seen.push(row);
        }
        expect(seen).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      }),
    );
  });

  it('rejects a page size that is not a positive integer', () => {
    expect(() => pageAt(1, 10, 0)).toThrow(RangeError);
  });
});

describe('completion', () => {
  it('counts final rows and treats an empty job as complete', () => {
    expect(completion(EMPTY_COUNTS)).toBe(1);
    expect(completion({ ...EMPTY_COUNTS, total: 4, enriched: 1, quarantined: 1, pending: 2 })).toBe(0.5);
  });
});

describe('addLookups', () => {
  it('adds counters into the target, reading absent ones (older results) as zero', () => {
    const total = { ...EMPTY_LOOKUPS };
    addLookups(total, { cacheHits: 2, providerCalls: 3, sharedCalls: 1 });
    addLookups(total, undefined);
    expect(addLookups(total, { providerCalls: 4 })).toEqual({ cacheHits: 2, providerCalls: 7, sharedCalls: 1 });
    expect(EMPTY_LOOKUPS).toEqual({ cacheHits: 0, providerCalls: 0, sharedCalls: 0 });
  });
});

describe('withBilledUsage', () => {
  it('takes the calls and their cost from the ledger, which also kept those of crashed attempts, and keeps how the rest were served', () => {
    const tally = {
      cacheHits: 5,
      providerCalls: 90,
      sharedCalls: 2,
      vendors: { a: { calls: 95, matches: 80, credits: 8 }, old: { calls: 3, matches: 1, credits: 1 } },
    };
    const billed = { providerCalls: 100, vendors: { a: { calls: 104, matches: 86, credits: 8.6 }, b: { calls: 7, matches: 0, credits: 0 } } };
    expect(withBilledUsage(tally, billed)).toEqual({
      cacheHits: 5,
      providerCalls: 100,
      sharedCalls: 2,
      // `old`: calls made before the ledger existed, kept from the tally.
      vendors: { a: { calls: 104, matches: 86, credits: 8.6 }, b: { calls: 7, matches: 0, credits: 0 }, old: { calls: 3, matches: 1, credits: 1 } },
    });
  });
});

describe('jobProgress', () => {
  const startedAt = new Date('2026-01-01T00:00:00Z');
  const at = (seconds: number) => new Date(startedAt.getTime() + seconds * 1000);
  const running = { ...EMPTY_COUNTS, total: 100, enriched: 30, notFound: 5, failed: 5, quarantined: 10, pending: 50 };

  it('derives percent, rate and ETA from the counts and the start time', () => {
    expect(jobProgress({ status: 'RUNNING', counts: running, startedAt, now: at(20), phase: 'enriching' })).toEqual({
      done: 50,
      total: 100,
      percent: 50,
      // Quarantined rows were done at staging: the rate counts the 40 rows the providers answered.
      rowsPerSecond: 2,
      etaSeconds: 25,
      paused: false,
      phase: 'enriching',
    });
  });

  it('has no ETA while paused or before any row is done, and none needed once final', () => {
    expect(jobProgress({ status: 'RUNNING', counts: running, startedAt, now: at(20), paused: true })).toMatchObject({
      paused: true,
      etaSeconds: null,
      rowsPerSecond: 2,
    });
    expect(jobProgress({ status: 'RUNNING', counts: { ...EMPTY_COUNTS, total: 10, pending: 10 }, startedAt, now: at(0) })).toMatchObject({
      rowsPerSecond: 0,
      etaSeconds: null,
      percent: 0,
    });
    expect(jobProgress({ status: 'STAGING', counts: { ...EMPTY_COUNTS, total: 3, pending: 3 }, startedAt: null, now: at(5) })).toMatchObject({
      phase: 'staging',
      etaSeconds: null,
      rowsPerSecond: 0,
    });
    expect(jobProgress({ status: 'CANCELLED', counts: running, startedAt, now: at(40), paused: true, phase: 'enriching' })).toMatchObject({
      phase: 'cancelled',
      paused: false,
      etaSeconds: 0,
      percent: 50,
    });
    expect(jobProgress({ status: 'COMPLETED', counts: EMPTY_COUNTS, startedAt, now: at(1) })).toMatchObject({ percent: 100, done: 0, etaSeconds: 0 });
  });

  it('stays within bounds whatever the counts and times', () => {
    const count = fc.integer({ min: 0, max: 10_000 });
    fc.assert(
      fc.property(
        count,
        count,
        count,
        count,
        count,
        fc.integer({ min: 0, max: 1e7 }),
        fc.boolean(),
        (enriched, notFound, failed, quarantined, pending, ms, paused) => {
          const counts = { total: enriched + notFound + failed + quarantined + pending, enriched, notFound, failed, quarantined, pending };
          const progress = jobProgress({ status: 'RUNNING', counts, startedAt, now: new Date(startedAt.getTime() + ms), paused });
          expect(progress.percent).toBeGreaterThanOrEqual(0);
          expect(progress.percent).toBeLessThanOrEqual(100);
          if (pending > 0) expect(progress.percent).toBeLessThan(100);
          expect(progress.rowsPerSecond).toBeGreaterThanOrEqual(0);
          if (progress.etaSeconds !== null) expect(Number.isInteger(progress.etaSeconds) && progress.etaSeconds >= 0).toBe(true);
          if (paused && pending > 0) expect(progress.etaSeconds).toBeNull();
        },
      ),
    );
  });
});

describe('research planning', () => {
  it('starts broad, then aims one query at each missing field', () => {
    const subject = { company: 'Acme Labs', domain: 'acme-labs.com' };
    expect(researchQueries(subject, ['headcount', 'linkedin_url'], 0)).toEqual(['Acme Labs']);
    expect(researchQueries(subject, ['headcount', 'linkedin_url'], 1)).toEqual(['Acme Labs employees headcount', 'Acme Labs linkedin']);
  });

  it('crawls the best-ranked pages it has not crawled yet', () => {
    const results = [
      { url: 'https://a.example/news', rank: 3 },
      { url: 'https://a.example/', rank: 1 },
      { url: 'https://a.example/team', rank: 2 },
    ];
    expect(pagesToCrawl(results, new Set(['https://a.example/']), 2)).toEqual(['https://a.example/team', 'https://a.example/news']);
  });
});
