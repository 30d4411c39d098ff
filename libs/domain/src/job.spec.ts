import fc from 'fast-check';
import { completion, EMPTY_COUNTS, pageAt } from './job';

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
