import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CountingKeyProvider } from './counting.key-provider';
import { DataKeyCache, type DataKeyCacheOptions } from './data-key-cache';
import type { EncryptionContext } from './encryption-context';
import type { GeneratedDataKey, KeyProvider } from './key-provider';
import { LocalKeyProvider } from './local.key-provider';

const context: EncryptionContext = { namespace: 'default', purpose: 'temporal-payload' };

/** Keeps every key array the provider hands out, to check later that the cache zeroed it. */
class RecordingProvider extends CountingKeyProvider {
  readonly generated: Uint8Array[] = [];
  readonly unwrapped: Uint8Array[] = [];

  override async generateDataKey(ctx: EncryptionContext): Promise<GeneratedDataKey> {
    const key = await super.generateDataKey(ctx);
    this.generated.push(key.plaintext);
    return key;
  }

  override async unwrap(wrapped: Uint8Array, keyId: string, ctx: EncryptionContext): Promise<Uint8Array> {
    const plaintext = await super.unwrap(wrapped, keyId, ctx);
    this.unwrapped.push(plaintext);
    return plaintext;
  }
}

const isZero = (bytes: Uint8Array) => bytes.every((b) => b === 0);

describe('DataKeyCache', () => {
  let dir: string;
  let local: LocalKeyProvider;
  let clock: number;
  const now = () => clock;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'codec-cache-'));
    local = new LocalKeyProvider({ keyFile: join(dir, 'keys.json') });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  beforeEach(() => {
    clock = 1_000_000;
  });

  const setup = (options: DataKeyCacheOptions = {}) => {
    const provider = new RecordingProvider(local);
    return { provider, cache: new DataKeyCache(provider, { now, ...options }) };
  };

  /** Wrapped keys made by an independent cache, for decryption-side tests. */
  async function wrappedKeys(count: number): Promise<GeneratedDataKey[]> {
    return Promise.all(Array.from({ length: count }, () => local.generateDataKey(context)));
  }

  it('uses one generated data key for 10,000 encryptions at the defaults', async () => {
    const { provider, cache } = setup();
    const keyIds = new Set<string>();
    for (let i = 0; i < 10_000; i++) await cache.withEncryptionKey(context, (key) => keyIds.add(Buffer.from(key.wrapped).toString('hex')));
    expect(provider.calls).toEqual({ generateDataKey: 1, unwrap: 0, rewrap: 0 });
    expect(keyIds.size).toBe(1);
  });

  it('counts its provider calls by operation and outcome (what enrich_key_provider_calls_total exports)', async () => {
    const { cache } = setup();
    const [stranger] = (await wrappedKeys(1)) as [GeneratedDataKey];
    for (let i = 0; i < 100; i++) await cache.withEncryptionKey(context, () => undefined);
    for (let i = 0; i < 3; i++) await cache.withDecryptionKey(stranger.wrapped, stranger.keyId, context, () => undefined);
    await expect(cache.withDecryptionKey(stranger.wrapped, 'no-such-key', context, () => undefined)).rejects.toThrow();
    expect(cache.providerCalls).toEqual({ generateDataKey: { ok: 1, error: 0 }, unwrap: { ok: 1, error: 1 } });
  });

  it('generates a new data key every maxUses encryptions', async () => {
    const { provider, cache } = setup({ maxUses: 10 });
    for (let i = 0; i < 10_000; i++) await cache.withEncryptionKey(context, () => undefined);
    expect(provider.calls.generateDataKey).toBe(1_000);
  });

  it('keeps one data key per encryption context', async () => {
    const { provider, cache } = setup();
    for (const namespace of ['a', 'b', 'a', 'b']) {
      await cache.withEncryptionKey({ namespace, purpose: 'temporal-payload' }, () => undefined);
      await cache.withEncryptionKey({ namespace, purpose: 'sealed-field' }, () => undefined);
    }
    expect(provider.calls.generateDataKey).toBe(4);
    expect(cache.stats().encryptionKeys).toBe(4);
  });

  it('generates a new data key once the current one is maxAgeMs old, and zeroes the old one', async () => {
    const { provider, cache } = setup({ maxAgeMs: 60_000 });
    await cache.withEncryptionKey(context, () => undefined);
    clock += 59_999;
    await cache.withEncryptionKey(context, () => undefined);
    expect(provider.calls.generateDataKey).toBe(1);
    clock += 1;
    await cache.withEncryptionKey(context, () => undefined);
    expect(provider.calls.generateDataKey).toBe(2);
    expect(isZero(provider.generated[0])).toBe(true);
    expect(isZero(provider.generated[1])).toBe(false);
  });

  it('zeroes a data key as soon as it is used up', async () => {
    const { provider, cache } = setup({ maxUses: 3 });
    const seen: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) await cache.withEncryptionKey(context, (key) => seen.push(Buffer.from(key.plaintext)));
    expect(isZero(provider.generated[0])).toBe(true);
    // The callback saw the real key every time, never a zeroed one.
    expect(seen.every((key) => !isZero(key))).toBe(true);
  });

  it('shares one generateDataKey among concurrent first callers', async () => {
    const { provider, cache } = setup();
    const wrapped = await Promise.all(Array.from({ length: 200 }, () => cache.withEncryptionKey(context, (key) => Buffer.from(key.wrapped).toString('hex'))));
    expect(provider.calls.generateDataKey).toBe(1);
    expect(new Set(wrapped).size).toBe(1);
  });

  it('honours maxUses even among concurrent callers sharing one generation', async () => {
    const { provider, cache } = setup({ maxUses: 10 });
    const wrapped = await Promise.all(Array.from({ length: 95 }, () => cache.withEncryptionKey(context, (key) => Buffer.from(key.wrapped).toString('hex'))));
    const perKey = new Map<string, number>();
    for (const w of wrapped) perKey.set(w, (perKey.get(w) ?? 0) + 1);
    expect(Math.max(...perKey.values())).toBeLessThanOrEqual(10);
    expect(provider.calls.generateDataKey).toBe(10);
  });

  it('passes a failed generation to every waiter and retries on the next call', async () => {
    const failing: KeyProvider = {
      generateDataKey: jest
        .fn()
        .mockRejectedValueOnce(new Error('kms down'))
        .mockImplementation((ctx: EncryptionContext) => local.generateDataKey(ctx)),
      unwrap: (w, k, c) => local.unwrap(w, k, c),
      rewrap: (w, k, c, t) => local.rewrap(w, k, c, t),
    };
    const cache = new DataKeyCache(failing, { now });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => cache.withEncryptionKey(context, () => 'ok')));
    expect(results.map((r) => r.status)).toEqual(Array(5).fill('rejected'));
    await expect(cache.withEncryptionKey(context, () => 'ok')).resolves.toBe('ok');
    expect(failing.generateDataKey).toHaveBeenCalledTimes(2);
  });

  it('decrypts what it encrypted without unwrapping (generated keys are cached for decryption)', async () => {
    const { provider, cache } = setup();
    const lease = await cache.withEncryptionKey(context, (key) => ({ keyId: key.keyId, wrapped: key.wrapped, plaintext: Buffer.from(key.plaintext) }));
    const plaintext = await cache.withDecryptionKey(lease.wrapped, lease.keyId, context, (key) => Buffer.from(key));
    expect(plaintext.equals(lease.plaintext)).toBe(true);
    expect(provider.calls.unwrap).toBe(0);
  });

  it('unwraps each wrapped key once while it is cached', async () => {
    const { provider, cache } = setup();
    const keys = await wrappedKeys(3);
    for (let round = 0; round < 100; round++) {
      for (const key of keys) {
        const plaintext = await cache.withDecryptionKey(key.wrapped, key.keyId, context, (k) => Buffer.from(k));
        expect(plaintext.equals(key.plaintext)).toBe(true);
      }
    }
    expect(provider.calls.unwrap).toBe(3);
  });

  it('does not reuse an unwrapped key for another encryption context', async () => {
    const { provider, cache } = setup();
    const [key] = await wrappedKeys(1);
    await cache.withDecryptionKey(key.wrapped, key.keyId, context, () => undefined);
    await expect(cache.withDecryptionKey(key.wrapped, key.keyId, { namespace: 'other', purpose: 'temporal-payload' }, () => undefined)).rejects.toThrow(
      /failed authentication/,
    );
    expect(provider.calls.unwrap).toBe(2);
  });

  it('shares one unwrap among concurrent callers of the same wrapped key', async () => {
    const { provider, cache } = setup();
    const [key] = await wrappedKeys(1);
    await Promise.all(Array.from({ length: 100 }, () => cache.withDecryptionKey(key.wrapped, key.keyId, context, () => undefined)));
    expect(provider.calls.unwrap).toBe(1);
  });

  it('expires unwrapped keys after the TTL and zeroes them', async () => {
    const { provider, cache } = setup({ unwrappedTtlMs: 1_000 });
    const [key] = await wrappedKeys(1);
    await cache.withDecryptionKey(key.wrapped, key.keyId, context, () => undefined);
    clock += 999;
    await cache.withDecryptionKey(key.wrapped, key.keyId, context, () => undefined);
    expect(provider.calls.unwrap).toBe(1);
    clock += 1;
    cache.sweep();
    expect(isZero(provider.unwrapped[0])).toBe(true);
    expect(cache.stats().decryptionKeys).toBe(0);
    await cache.withDecryptionKey(key.wrapped, key.keyId, context, () => undefined);
    expect(provider.calls.unwrap).toBe(2);
  });

  it('evicts the least recently used unwrapped key beyond maxUnwrapped and zeroes it', async () => {
    const { provider, cache } = setup({ maxUnwrapped: 2 });
    const [a, b, c] = await wrappedKeys(3);
    const use = (key: GeneratedDataKey) => cache.withDecryptionKey(key.wrapped, key.keyId, context, () => undefined);
    await use(a);
    await use(b);
    await use(a); // a is now the most recently used
    await use(c); // evicts b
    expect(provider.calls.unwrap).toBe(3);
    const [unwrappedA, unwrappedB, unwrappedC] = provider.unwrapped;
    expect(isZero(unwrappedB)).toBe(true);
    expect(isZero(unwrappedA) || isZero(unwrappedC)).toBe(false);
    await use(a);
    expect(provider.calls.unwrap).toBe(3);
    await use(b);
    expect(provider.calls.unwrap).toBe(4);
    expect(cache.stats().decryptionKeys).toBe(2);
  });

  it('does not serve an evicted key through the repeat-hit shortcut', async () => {
    const { provider, cache } = setup({ maxUnwrapped: 1 });
    const [a, b] = await wrappedKeys(2);
    const plaintextOf = (key: GeneratedDataKey) => cache.withDecryptionKey(key.wrapped, key.keyId, context, (k) => Buffer.from(k));
    await plaintextOf(a);
    expect((await plaintextOf(a)).equals(Buffer.from(a.plaintext))).toBe(true);
    await plaintextOf(b); // evicts and zeroes a
    expect(isZero(provider.unwrapped[0])).toBe(true);
    expect((await plaintextOf(a)).equals(Buffer.from(a.plaintext))).toBe(true);
    expect(provider.calls.unwrap).toBe(3);
  });

  it('never hands out a zeroed key, even when concurrent unwraps evict each other', async () => {
    const { cache } = setup({ maxUnwrapped: 1 });
    const keys = await wrappedKeys(20);
    const results = await Promise.all(keys.map((key) => cache.withDecryptionKey(key.wrapped, key.keyId, context, (k) => Buffer.from(k))));
    results.forEach((plaintext, i) => expect(plaintext.equals(keys[i].plaintext)).toBe(true));
  });

  it('zeroes every key on clear()', async () => {
    const { provider, cache } = setup();
    await cache.withEncryptionKey(context, () => undefined);
    const [key] = await wrappedKeys(1);
    await cache.withDecryptionKey(key.wrapped, key.keyId, context, () => undefined);
    cache.clear();
    expect(isZero(provider.generated[0])).toBe(true);
    expect(isZero(provider.unwrapped[0])).toBe(true);
    expect(cache.stats()).toEqual({ encryptionKeys: 0, decryptionKeys: 0 });
  });

  it('rejects nonsensical limits', () => {
    expect(() => new DataKeyCache(local, { maxUses: 0 })).toThrow(/maxUses must be a positive number/);
  });
});
