import { KEY_BYTES } from './aes-gcm';
import { contextKey, type EncryptionContext } from './encryption-context';
import { KeyProviderError } from './errors';
import type { GeneratedDataKey, KeyProvider } from './key-provider';

/** Limits of a {@link DataKeyCache}; every field is optional. */
export interface DataKeyCacheOptions {
  /** How long one generated data key encrypts new data, in ms (default 5 minutes). */
  maxAgeMs?: number;
  /** How many encryptions one generated data key serves at most (default 100,000). */
  maxUses?: number;
  /** How long an unwrapped data key stays cached, in ms (default 10 minutes). */
  unwrappedTtlMs?: number;
  /** How many unwrapped data keys are cached at most; least recently used go first (default 1,000). */
  maxUnwrapped?: number;
  /** Clock in ms, for tests. */
  now?: () => number;
}

/** Defaults of {@link DataKeyCacheOptions}. */
export const DATA_KEY_CACHE_DEFAULTS = {
  maxAgeMs: 5 * 60_000,
  maxUses: 100_000,
  unwrappedTtlMs: 10 * 60_000,
  maxUnwrapped: 1_000,
} as const satisfies Required<Omit<DataKeyCacheOptions, 'now'>>;

/** The encryption key handed to {@link DataKeyCache.withEncryptionKey}'s callback. */
export interface DataKeyLease {
  /** Master key id to record next to the ciphertext. */
  readonly keyId: string;
  /** The wrapped data key to record next to the ciphertext. */
  readonly wrapped: Uint8Array;
  /** The data key itself: use it inside the callback only; it is zeroed when retired. */
  readonly plaintext: Uint8Array;
}

/** What the cache holds right now, for tests and metrics. */
export interface DataKeyCacheStats {
  /** Data keys currently used for encryption (one per encryption context at most). */
  encryptionKeys: number;
  /** Unwrapped data keys cached for decryption. */
  decryptionKeys: number;
}

interface Entry {
  readonly keyId: string;
  readonly wrapped: Uint8Array;
  readonly plaintext: Uint8Array;
  readonly expiresAt: number;
  uses: number;
  /** Callers that were handed this entry across an await and have not used it yet. */
  pins: number;
  retired: boolean;
}

interface Flight {
  promise: Promise<Entry>;
  waiters: number;
}

/**
 * Keeps KMS calls rare: the encryption side reuses one generated data key per encryption context
 * for at most `maxAgeMs` and `maxUses`; the decryption side caches unwrapped data keys by their
 * wrapped bytes (LRU, with a TTL). Concurrent callers that miss share one in-flight
 * `generateDataKey` / `unwrap`. A generated key is also put in the decryption cache, so a process
 * decodes what it encoded without another KMS call.
 *
 * Key bytes are zeroed (`fill(0)`) when a key is retired: used up, expired, evicted or cleared.
 * Keys are only handed out to a synchronous callback, so a key can never be zeroed while
 * someone is still about to use it.
 */
export class DataKeyCache {
  /** The provider keys come from. */
  readonly provider: KeyProvider;
  private readonly maxAgeMs: number;
  private readonly maxUses: number;
  private readonly unwrappedTtlMs: number;
  private readonly maxUnwrapped: number;
  private readonly now: () => number;
  private readonly active = new Map<string, Entry>();
  private readonly generating = new Map<string, Flight>();
  /** Insertion order is recency order: the first key is the least recently used. */
  private readonly unwrapped = new Map<string, Entry>();
  private readonly unwrapping = new Map<string, Flight>();
  /**
   * Calls this cache made to the provider, by operation and outcome (`ok`, `error`): what the
   * apps export as `enrich_key_provider_calls_total`, and how to see that the cache keeps them rare.
   */
  readonly providerCalls = {
    generateDataKey: { ok: 0, error: 0 },
    unwrap: { ok: 0, error: 0 },
  };
  /** The last decryption hit: most decodes in a row use the same data key, and this skips building its cache key. */
  private lastHit: { context: EncryptionContext; keyId: string; wrapped: Buffer; entry: Entry } | undefined;

  constructor(provider: KeyProvider, options: DataKeyCacheOptions = {}) {
    this.provider = provider;
    this.maxAgeMs = positive('maxAgeMs', options.maxAgeMs ?? DATA_KEY_CACHE_DEFAULTS.maxAgeMs);
    this.maxUses = positive('maxUses', options.maxUses ?? DATA_KEY_CACHE_DEFAULTS.maxUses);
    this.unwrappedTtlMs = positive('unwrappedTtlMs', options.unwrappedTtlMs ?? DATA_KEY_CACHE_DEFAULTS.unwrappedTtlMs);
    this.maxUnwrapped = positive('maxUnwrapped', options.maxUnwrapped ?? DATA_KEY_CACHE_DEFAULTS.maxUnwrapped);
    this.now = options.now ?? Date.now;
  }

  /**
   * Calls `use` with the current data key for `context`, generating one when there is none or the
   * current one is used up or too old. Counts one use.
   */
  async withEncryptionKey<T>(context: EncryptionContext, use: (key: DataKeyLease) => T): Promise<T> {
    const slot = slotOf(context);
    for (;;) {
      const current = this.active.get(slot);
      if (current && this.usable(current, slot)) return this.spend(current, slot, use);
      const entry = await this.join(
        this.generating,
        slot,
        () => this.counted('generateDataKey', this.provider.generateDataKey(context)),
        (key) => this.installGenerated(slot, context, key),
      );
      try {
        // Others may have used it up while this caller waited; then go round again.
        if (this.usable(entry, slot)) return this.spend(entry, slot, use);
      } finally {
        this.release(entry);
      }
    }
  }

  /** Calls `use` with the data key `wrapped` under master key `keyId`, unwrapping it on a miss. */
  async withDecryptionKey<T>(wrapped: Uint8Array, keyId: string, context: EncryptionContext, use: (plaintext: Uint8Array) => T): Promise<T> {
    const last = this.lastHit;
    if (last && last.context === context && last.keyId === keyId && !last.entry.retired && this.now() < last.entry.expiresAt && last.wrapped.equals(wrapped)) {
      return use(last.entry.plaintext);
    }
    const key = unwrappedKey(keyId, wrapped, context);
    const hit = this.lookup(key);
    if (hit) {
      this.lastHit = { context, keyId, wrapped: Buffer.from(hit.wrapped.buffer, hit.wrapped.byteOffset, hit.wrapped.byteLength), entry: hit };
      return use(hit.plaintext);
    }
    const entry = await this.join(
      this.unwrapping,
      key,
      () => this.counted('unwrap', this.provider.unwrap(wrapped, keyId, context)),
      (plaintext) => this.installUnwrapped(key, keyId, wrapped, plaintext),
    );
    try {
      return use(entry.plaintext);
    } finally {
      this.release(entry);
    }
  }

  private counted<T>(operation: keyof DataKeyCache['providerCalls'], call: Promise<T>): Promise<T> {
    const counts = this.providerCalls[operation];
    return call.then(
      (result) => {
        counts.ok += 1;
        return result;
      },
      (error: unknown) => {
        counts.error += 1;
        throw error;
      },
    );
  }

  /** Retires (and zeroes) every expired key now rather than at the next lookup. */
  sweep(): void {
    const now = this.now();
    for (const [slot, entry] of this.active) if (now >= entry.expiresAt) this.retireActive(entry, slot);
    for (const [key, entry] of this.unwrapped) if (now >= entry.expiresAt) this.evict(key, entry);
  }

  /** Retires (and zeroes) every cached key, e.g. at shutdown. */
  clear(): void {
    for (const [slot, entry] of this.active) this.retireActive(entry, slot);
    for (const [key, entry] of this.unwrapped) this.evict(key, entry);
    this.lastHit = undefined;
  }

  /** How many keys are cached. */
  stats(): DataKeyCacheStats {
    return { encryptionKeys: this.active.size, decryptionKeys: this.unwrapped.size };
  }

  /**
   * Shares one fetch among concurrent callers of the same key. `install` runs in the same
   * synchronous step that pins the entry for every waiter, so it cannot be evicted and zeroed
   * before they resume.
   */
  private join<R>(flights: Map<string, Flight>, key: string, fetch: () => Promise<R>, install: (result: R) => Entry): Promise<Entry> {
    let flight = flights.get(key);
    if (!flight) {
      const created: Flight = { waiters: 0, promise: undefined as unknown as Promise<Entry> };
      created.promise = fetch().then(
        (result) => {
          flights.delete(key);
          const entry = install(result);
          entry.pins += created.waiters;
          return entry;
        },
        (error: unknown) => {
          flights.delete(key);
          throw error;
        },
      );
      flights.set(key, created);
      flight = created;
    }
    flight.waiters += 1;
    return flight.promise;
  }

  private installGenerated(slot: string, context: EncryptionContext, key: GeneratedDataKey): Entry {
    checkKey(key.plaintext, 'generateDataKey', key.keyId);
    const entry = this.entry(key.keyId, key.wrapped, key.plaintext, this.maxAgeMs);
    const previous = this.active.get(slot);
    if (previous) this.retireActive(previous, slot);
    this.active.set(slot, entry);
    // Own copy: the two caches retire their keys independently.
    this.installUnwrapped(unwrappedKey(key.keyId, key.wrapped, context), key.keyId, key.wrapped, key.plaintext.slice());
    return entry;
  }

  private installUnwrapped(key: string, keyId: string, wrapped: Uint8Array, plaintext: Uint8Array): Entry {
    checkKey(plaintext, 'unwrap', keyId);
    const existing = this.unwrapped.get(key);
    if (existing) this.evict(key, existing);
    const entry = this.entry(keyId, wrapped, plaintext, this.unwrappedTtlMs);
    this.unwrapped.set(key, entry);
    for (const [oldest, old] of this.unwrapped) {
      if (this.unwrapped.size <= this.maxUnwrapped) break;
      this.evict(oldest, old);
    }
    return entry;
  }

  private entry(keyId: string, wrapped: Uint8Array, plaintext: Uint8Array, ttlMs: number): Entry {
    return { keyId, wrapped, plaintext, expiresAt: this.now() + ttlMs, uses: 0, pins: 0, retired: false };
  }

  private lookup(key: string): Entry | undefined {
    const entry = this.unwrapped.get(key);
    if (!entry) return undefined;
    if (this.now() >= entry.expiresAt) {
      this.evict(key, entry);
      return undefined;
    }
    this.unwrapped.delete(key);
    this.unwrapped.set(key, entry);
    return entry;
  }

  private usable(entry: Entry, slot: string): boolean {
    if (entry.retired) return false;
    if (entry.uses < this.maxUses && this.now() < entry.expiresAt) return true;
    this.retireActive(entry, slot);
    return false;
  }

  private spend<T>(entry: Entry, slot: string, use: (key: DataKeyLease) => T): T {
    entry.uses += 1;
    try {
      return use({ keyId: entry.keyId, wrapped: entry.wrapped, plaintext: entry.plaintext });
    } finally {
      if (entry.uses >= this.maxUses) this.retireActive(entry, slot);
    }
  }

  private retireActive(entry: Entry, slot: string): void {
    if (this.active.get(slot) === entry) this.active.delete(slot);
    this.retire(entry);
  }

  private evict(key: string, entry: Entry): void {
    if (this.unwrapped.get(key) === entry) this.unwrapped.delete(key);
    this.retire(entry);
  }

  private retire(entry: Entry): void {
    entry.retired = true;
    if (entry.pins === 0) entry.plaintext.fill(0);
  }

  private release(entry: Entry): void {
    entry.pins -= 1;
    if (entry.retired && entry.pins === 0) entry.plaintext.fill(0);
  }
}

// Codecs and sealers pass the same context object on every call: key it once.
const slots = new WeakMap<EncryptionContext, string>();

function slotOf(context: EncryptionContext): string {
  let slot = slots.get(context);
  if (slot === undefined) {
    slot = contextKey(context);
    slots.set(context, slot);
  }
  return slot;
}

/** Cache key of an unwrapped data key: the context, the master key and the wrapped bytes. */
function unwrappedKey(keyId: string, wrapped: Uint8Array, context: EncryptionContext): string {
  // latin1 maps each byte to one character: an exact, cheap string form of the bytes.
  const bytes = Buffer.from(wrapped.buffer, wrapped.byteOffset, wrapped.byteLength);
  return `${slotOf(context)}\n${keyId}\n${bytes.toString('latin1')}`;
}

function checkKey(plaintext: Uint8Array, operation: 'generateDataKey' | 'unwrap', keyId: string): void {
  if (plaintext.length === KEY_BYTES) return;
  plaintext.fill(0);
  throw new KeyProviderError(`Key provider ${operation} under key ${keyId} gave a ${plaintext.length}-byte data key, not ${KEY_BYTES}.`, operation, keyId);
}

function positive(name: string, value: number): number {
  if (!(value > 0)) throw new RangeError(`DataKeyCache option ${name} must be a positive number (got ${value})`);
  return value;
}
