import fc from 'fast-check';
import { OffsetTracker } from './offset-tracker';

describe('OffsetTracker', () => {
  it('commits an offset only once every earlier offset of its partition is done', () => {
    const tracker = new OffsetTracker<string>();
    for (const offset of [10n, 11n, 12n]) tracker.read('t/0', offset, `m${offset}`);
    expect(tracker.done('t/0', 12n)).toBeUndefined();
    expect(tracker.done('t/0', 11n)).toBeUndefined();
    expect(tracker.done('t/0', 10n)).toBe('m12');
    expect(tracker.pending).toBe(0);
  });

  it('keeps partitions apart', () => {
    const tracker = new OffsetTracker<string>();
    tracker.read('t/0', 0n, 'a0');
    tracker.read('t/1', 0n, 'b0');
    tracker.read('t/1', 1n, 'b1');
    expect(tracker.done('t/1', 1n)).toBeUndefined();
    expect(tracker.done('t/0', 0n)).toBe('a0');
    expect(tracker.done('t/1', 0n)).toBe('b1');
  });

  it('follows read order across gaps in the offsets', () => {
    const tracker = new OffsetTracker<string>();
    tracker.read('t/0', 5n, 'm5');
    tracker.read('t/0', 9n, 'm9');
    expect(tracker.done('t/0', 9n)).toBeUndefined();
    expect(tracker.done('t/0', 5n)).toBe('m9');
  });

  it('starts a partition over when it is read again from an earlier offset, and forgets revoked partitions', () => {
    const tracker = new OffsetTracker<string>();
    tracker.read('t/0', 7n, 'm7');
    tracker.read('t/0', 8n, 'm8');
    tracker.read('t/0', 7n, 'again7');
    expect(tracker.pending).toBe(1);
    expect(tracker.done('t/0', 7n)).toBe('again7');
    tracker.read('t/1', 0n, 'x');
    tracker.retain(new Set(['t/0']));
    expect(tracker.pending).toBe(0);
    expect(tracker.done('t/1', 0n)).toBeUndefined();
  });

  it('never commits past a message that is not done, whatever the finishing order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).chain((n) => fc.tuple(fc.constant(n), fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }))),
        ([n, order]) => {
          const tracker = new OffsetTracker<number>();
          for (let offset = 0; offset < n; offset += 1) tracker.read('t/0', BigInt(offset), offset);
          const finished = new Set<number>();
          let committed = -1;
          for (const offset of order) {
            finished.add(offset);
            const head = tracker.done('t/0', BigInt(offset));
            if (head !== undefined) {
              expect(head).toBeGreaterThan(committed);
              committed = head;
            }
            for (let earlier = 0; earlier <= committed; earlier += 1) expect(finished.has(earlier)).toBe(true);
          }
          expect(committed).toBe(n - 1);
        },
      ),
    );
  });
});
