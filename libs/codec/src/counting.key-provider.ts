import type { EncryptionContext } from './encryption-context';
import type { GeneratedDataKey, KeyProvider, WrappedDataKey } from './key-provider';

/** Calls made through a {@link CountingKeyProvider}, by operation. */
export interface KeyProviderCallCounts {
  generateDataKey: number;
  unwrap: number;
  rewrap: number;
}

/**
 * Wraps a key provider and counts the calls made to it: how tests and the benchmark show that the
 * data-key cache keeps KMS calls rare. The apps' metric counts at the cache itself
 * (`DataKeyCache.providerCalls`, by outcome).
 */
export class CountingKeyProvider implements KeyProvider {
  /** Calls so far, by operation (including failed ones). */
  readonly calls: KeyProviderCallCounts = { generateDataKey: 0, unwrap: 0, rewrap: 0 };

  constructor(
    /** The provider that does the work. */
    readonly inner: KeyProvider,
  ) {}

  /** All calls so far. */
  get total(): number {
    return this.calls.generateDataKey + this.calls.unwrap + this.calls.rewrap;
  }

  /** Sets every count back to zero. */
  reset(): void {
    this.calls.generateDataKey = 0;
    this.calls.unwrap = 0;
    this.calls.rewrap = 0;
  }

  /** Delegates, uncounted: a readiness check uses no key. */
  async check(): Promise<void> {
    await this.inner.check?.();
  }

  /** Counts, then delegates. */
  generateDataKey(context: EncryptionContext): Promise<GeneratedDataKey> {
    this.calls.generateDataKey += 1;
    return this.inner.generateDataKey(context);
  }

  /** Counts, then delegates. */
  unwrap(wrapped: Uint8Array, keyId: string, context: EncryptionContext): Promise<Uint8Array> {
    this.calls.unwrap += 1;
    return this.inner.unwrap(wrapped, keyId, context);
  }

  /** Counts, then delegates. */
  rewrap(wrapped: Uint8Array, keyId: string, context: EncryptionContext, targetKeyId?: string): Promise<WrappedDataKey> {
    this.calls.rewrap += 1;
    return this.inner.rewrap(wrapped, keyId, context, targetKeyId);
  }
}
