import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { RecordHash } from './record-hash';

describe('RecordHash', () => {
  it('is sha256 of seed, provider and key joined by NUL', () => {
    // Pinned so that a change to the derivation (which would change every answer) is a visible decision.
    expect(RecordHash.of('enrich', 'demographics', 'ada@example.com').hex).toBe(
      createHash('sha256').update('enrich\0demographics\0ada@example.com').digest('hex'),
    );
    expect(RecordHash.of('enrich', 'demographics', 'ada@example.com').hex).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not let parts run into each other', () => {
    expect(RecordHash.of('ab', 'c', 'd').hex).not.toBe(RecordHash.of('a', 'bc', 'd').hex);
    expect(RecordHash.of('s', 'p', 'k').hex).not.toBe(RecordHash.of('s', 'q', 'k').hex);
  });

  it('derives independent values per label', () => {
    const hash = RecordHash.of('seed', 'provider', 'key');
    expect(hash.fraction('a')).toBe(RecordHash.of('seed', 'provider', 'key').fraction('a'));
    expect(hash.fraction('a')).not.toBe(hash.fraction('b'));
  });

  it('keeps fractions in [0, 1) and integers and picks in range', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.integer({ min: -50, max: 50 }), fc.integer({ min: 0, max: 100 }), (key, label, min, span) => {
        const hash = RecordHash.of('seed', 'provider', key);
        const fraction = hash.fraction(label);
        expect(fraction).toBeGreaterThanOrEqual(0);
        expect(fraction).toBeLessThan(1);
        const value = hash.integer(label, min, min + span);
        expect(Number.isInteger(value)).toBe(true);
        expect(value).toBeGreaterThanOrEqual(min);
        expect(value).toBeLessThanOrEqual(min + span);
        expect(['x', 'y', 'z']).toContain(hash.pick(label, ['x', 'y', 'z']));
      }),
    );
  });

  it('spreads picks over every option', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i += 1) seen.add(RecordHash.of('seed', 'p', `k${i}`).pick('x', ['a', 'b', 'c', 'd']));
    expect([...seen].sort()).toEqual(['a', 'b', 'c', 'd']);
  });
});
