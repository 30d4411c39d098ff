import { createHash } from 'node:crypto';

/**
 * The identity of one simulated record, `sha256(seed, provider, key)`, and the values derived from it.
 *
 * Every attribute, the record id, the confidence and the "unknown record" decision come from this
 * digest, so the same request against the same seed answers byte-for-byte the same on every run, on
 * every machine, and across restarts, while a different seed gives a different "provider database".
 */
export class RecordHash {
  private constructor(
    /** The root digest: 32 bytes. */
    readonly digest: Buffer,
    private readonly seed: string,
  ) {}

  /**
   * Hashes one record. Parts are joined with NUL so that `("ab", "c")` and `("a", "bc")` never
   * collide.
   */
  static of(seed: string, provider: string, key: string): RecordHash {
    return new RecordHash(createHash('sha256').update(`${seed}\0${provider}\0${key}`).digest(), seed);
  }

  /**
   * Another record under the same seed, e.g. the company behind a crawled page. Providers that
   * simulate one shared world (search, crawl) use it so that their answers agree with each other.
   */
  related(scope: string, key: string): RecordHash {
    return RecordHash.of(this.seed, scope, key);
  }

  /** The root digest in lower-case hex (64 characters). */
  get hex(): string {
    return this.digest.toString('hex');
  }

  /**
   * A fraction in [0, 1) for one named purpose. Each label gets its own sub-hash, so adding a new
   * attribute never shifts the values of the existing ones.
   */
  fraction(label: string): number {
    const sub = createHash('sha256').update(this.digest).update(label).digest();
    // 48 bits is the most a double holds exactly through readUIntBE.
    return sub.readUIntBE(0, 6) / 2 ** 48;
  }

  /** An integer in [min, max], both inclusive. */
  integer(label: string, min: number, max: number): number {
    return min + Math.floor(this.fraction(label) * (max - min + 1));
  }

  /** One of `options`, uniformly. */
  pick<T>(label: string, options: readonly [T, ...T[]]): T {
    return options[Math.floor(this.fraction(label) * options.length)] ?? options[0];
  }

  /** `true` with probability `probability`. */
  chance(label: string, probability: number): boolean {
    return this.fraction(label) < probability;
  }
}
