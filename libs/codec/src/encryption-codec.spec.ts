import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CountingKeyProvider } from './counting.key-provider';
import { DataKeyCache } from './data-key-cache';
import {
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  isEncrypted,
  METADATA_FORMAT_VERSION,
  METADATA_IV,
  METADATA_KEY_ID,
  METADATA_TAG,
  METADATA_WRAPPED_KEY,
} from './encryption-codec';
import { KeyNotAllowedError, PayloadDecodeError } from './errors';
import type { KeyProvider } from './key-provider';
import { LocalKeyProvider } from './local.key-provider';

const SECRET = 'jane.doe@example.com';
const toPayload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const fromPayload = (payload: Payload): unknown => defaultPayloadConverter.fromPayload(payload);
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

/** Same content, whatever the byte-array classes and defaults protobuf left on the objects. */
function normalized(payload: Payload) {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('hex')])),
    data: Buffer.from(payload.data ?? []).toString('hex'),
  };
}

async function decodeError(codec: EncryptionCodec, payloads: Payload[]): Promise<PayloadDecodeError> {
  const error = await codec.decode(payloads).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PayloadDecodeError);
  expect((error as Error).message).not.toContain(SECRET);
  return error as PayloadDecodeError;
}

describe('EncryptionCodec', () => {
  let dir: string;
  let provider: CountingKeyProvider;
  let codec: EncryptionCodec;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'codec-payload-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  beforeEach(() => {
    provider = new CountingKeyProvider(new LocalKeyProvider({ keyFile: join(dir, 'keys.json') }));
    codec = new EncryptionCodec({ keys: provider, namespace: 'default' });
  });

  it('round-trips payloads, including an empty one and 1 MB, with their metadata', async () => {
    const big = new Uint8Array(1024 * 1024).map((_, i) => i % 251);
    const payloads = [
      toPayload({ email: SECRET, n: 1 }),
      toPayload(undefined),
      toPayload(new Uint8Array(0)),
      toPayload(big),
      { metadata: {}, data: new Uint8Array(0) },
    ];
    const encoded = await codec.encode(payloads);
    const decoded = await codec.decode(encoded);
    expect(decoded.map(normalized)).toEqual(payloads.map(normalized));
    // Empty data must come back as bytes too (the codec server and the SDK read `.buffer`).
    expect(decoded.every((p) => p.data instanceof Uint8Array)).toBe(true);
    expect(fromPayload(decoded[0])).toEqual({ email: SECRET, n: 1 });
    expect(Buffer.from(fromPayload(decoded[3]) as Uint8Array).equals(Buffer.from(big))).toBe(true);
  });

  it('writes the encryption metadata and hides the inner metadata and data', async () => {
    const [encoded] = await codec.encode([toPayload({ email: SECRET })]);
    const metadata = encoded.metadata ?? {};
    expect(text(metadata[METADATA_ENCODING_KEY])).toBe(ENCRYPTED_ENCODING);
    expect(text(metadata[METADATA_KEY_ID])).toMatch(/^local-[0-9a-f]{8}$/);
    expect(metadata[METADATA_WRAPPED_KEY]?.length).toBe(61);
    expect(text(metadata[METADATA_FORMAT_VERSION])).toBe('1');
    expect(metadata[METADATA_IV]?.length).toBe(12);
    expect(metadata[METADATA_TAG]?.length).toBe(16);
    expect(Object.keys(metadata).sort()).toEqual(
      [METADATA_ENCODING_KEY, METADATA_FORMAT_VERSION, METADATA_KEY_ID, METADATA_WRAPPED_KEY, METADATA_IV, METADATA_TAG].sort(),
    );
    expect(isEncrypted(encoded)).toBe(true);
    const data = Buffer.from(encoded.data ?? []);
    expect(data.includes(SECRET)).toBe(false);
    expect(data.includes('json/plain')).toBe(false);
  });

  it('gives different ciphertexts for equal payloads (random IV)', async () => {
    const [a, b] = await codec.encode([toPayload(SECRET), toPayload(SECRET)]);
    expect(Buffer.from(a.metadata?.[METADATA_IV] ?? []).equals(Buffer.from(b.metadata?.[METADATA_IV] ?? []))).toBe(false);
    expect(Buffer.from(a.data ?? []).equals(Buffer.from(b.data ?? []))).toBe(false);
  });

  it('encrypts exactly the Payload proto of the original', async () => {
    const payload = toPayload({ email: SECRET });
    const [encoded] = await codec.encode([payload]);
    expect(encoded.data?.length).toBe(temporal.api.common.v1.Payload.encode(payload).finish().length);
  });

  it('passes unencrypted payloads through untouched', async () => {
    const plain = toPayload({ written: 'before encryption was on' });
    const [encrypted] = await codec.encode([toPayload(1)]);
    const decoded = await codec.decode([plain, encrypted]);
    expect(decoded[0]).toBe(plain);
    expect(fromPayload(decoded[1])).toBe(1);
  });

  it('with encryption off, encodes nothing but still decodes encrypted history', async () => {
    const [encrypted] = await codec.encode([toPayload('old')]);
    const off = new EncryptionCodec({ keys: provider, namespace: 'default', encrypt: false });
    const payload = toPayload('new');
    expect(await off.encode([payload])).toEqual([payload]);
    expect(fromPayload((await off.decode([encrypted]))[0])).toBe('old');
  });

  it('is decodable by a fresh codec with no state but key access', async () => {
    const encoded = await codec.encode([toPayload(SECRET)]);
    const fresh = new EncryptionCodec({ keys: new LocalKeyProvider({ keyFile: join(dir, 'keys.json') }), namespace: 'default' });
    expect(fromPayload((await fresh.decode(encoded))[0])).toBe(SECRET);
  });

  describe('refuses tampering with a clear error', () => {
    let encoded: Payload;
    beforeEach(async () => {
      [encoded] = await codec.encode([toPayload({ email: SECRET })]);
    });
    const withData = (mutate: (data: Buffer) => void): Payload => {
      const data = Buffer.from(encoded.data ?? []);
      mutate(data);
      return { metadata: encoded.metadata, data };
    };
    const withMetadata = (key: string, mutate: (value: Buffer) => void): Payload => {
      const value = Buffer.from(encoded.metadata?.[key] ?? []);
      mutate(value);
      return { metadata: { ...encoded.metadata, [key]: value }, data: encoded.data };
    };

    it('ciphertext', async () => {
      const error = await decodeError(codec, [withData((d) => (d[20] ^= 1))]);
      expect(error.message).toMatch(/failed authentication \(tampered, truncated/);
    });

    it('IV', async () => {
      expect((await decodeError(codec, [withMetadata(METADATA_IV, (iv) => (iv[0] ^= 1))])).message).toMatch(/failed authentication/);
    });

    it('tag', async () => {
      expect((await decodeError(codec, [withMetadata(METADATA_TAG, (tag) => (tag[15] ^= 1))])).message).toMatch(/failed authentication/);
    });

    it('truncation', async () => {
      const error = await decodeError(codec, [{ metadata: encoded.metadata, data: Buffer.from(encoded.data ?? []).subarray(0, 10) }]);
      expect(error.message).toMatch(/failed authentication/);
      const shortIv = await decodeError(codec, [{ metadata: { ...encoded.metadata, [METADATA_IV]: new Uint8Array(8) }, data: encoded.data }]);
      expect(shortIv.message).toMatch(/encryption-iv must be 12 bytes and encryption-tag 16 \(got 8 and 16\)/);
    });

    it('wrapped key', async () => {
      const wrapped = Buffer.from(encoded.metadata?.[METADATA_WRAPPED_KEY] ?? []);
      wrapped[30] ^= 1;
      const error = await decodeError(codec, [{ metadata: { ...encoded.metadata, [METADATA_WRAPPED_KEY]: wrapped }, data: encoded.data }]);
      expect(error.message).toMatch(
        /^Cannot decrypt payload: its data key \(wrapped under local-[0-9a-f]{8}\) was not unwrapped\. Unwrapping .* failed authentication/,
      );
    });

    it('names which payload of a batch failed', async () => {
      const error = await decodeError(codec, [toPayload(1), withData((d) => (d[20] ^= 1))]);
      expect(error.message).toMatch(/^Cannot decrypt payload 2 of 2/);
    });
  });

  it('fails clearly under another master key (another key file)', async () => {
    const encoded = await codec.encode([toPayload(SECRET)]);
    const stranger = new EncryptionCodec({ keys: new LocalKeyProvider({ keyFile: join(dir, 'other-keys.json') }), namespace: 'default' });
    await stranger.encode([toPayload('creates its own key file')]);
    const error = await decodeError(stranger, encoded);
    expect(error.message).toMatch(/Local master key local-[0-9a-f]{8} is not in .*other-keys\.json/);
    expect(error.keyId).toBe(text(encoded[0].metadata?.[METADATA_KEY_ID]));
  });

  it('fails clearly for an unknown key id', async () => {
    const [encoded] = await codec.encode([toPayload(SECRET)]);
    const error = await decodeError(codec, [{ metadata: { ...encoded.metadata, [METADATA_KEY_ID]: Buffer.from('local-deadbeef') }, data: encoded.data }]);
    expect(error.message).toContain('local-deadbeef is not in');
  });

  it('fails clearly for a key that is not on the allowlist', async () => {
    const [encoded] = await codec.encode([toPayload(SECRET)]);
    const refusing: KeyProvider = {
      generateDataKey: () => Promise.reject(new Error('unused')),
      rewrap: () => Promise.reject(new Error('unused')),
      unwrap: (_wrapped, keyId) => Promise.reject(new KeyNotAllowedError(keyId, ['alias/enrich-current'])),
    };
    const error = await decodeError(new EncryptionCodec({ keys: refusing, namespace: 'default' }), [encoded]);
    expect(error.cause).toBeInstanceOf(KeyNotAllowedError);
    expect(error.message).toMatch(/is not on the decrypt allowlist \(alias\/enrich-current\).*KMS_DECRYPT_KEY_IDS/);
  });

  it('does not decrypt payloads of another namespace', async () => {
    const encoded = await codec.encode([toPayload(SECRET)]);
    const elsewhere = new EncryptionCodec({ keys: provider, namespace: 'other' });
    expect((await decodeError(elsewhere, encoded)).message).toMatch(/\{namespace: "other", purpose: temporal-payload\}/);
  });

  it('refuses an unknown format version and missing metadata', async () => {
    const [encoded] = await codec.encode([toPayload(SECRET)]);
    const v2 = { metadata: { ...encoded.metadata, [METADATA_FORMAT_VERSION]: Buffer.from('2') }, data: encoded.data };
    expect((await decodeError(codec, [v2])).message).toMatch(/encryption-format-version "2" is not supported .* upgrade @enrich\/codec/);
    const { [METADATA_WRAPPED_KEY]: _wrapped, ...withoutKey } = encoded.metadata ?? {};
    expect((await decodeError(codec, [{ metadata: withoutKey, data: encoded.data }])).message).toMatch(/metadata encryption-wrapped-key missing/);
    const { [METADATA_IV]: _iv, [METADATA_TAG]: _tag, ...withoutIvAndTag } = encoded.metadata ?? {};
    expect((await decodeError(codec, [{ metadata: withoutIvAndTag, data: encoded.data }])).message).toMatch(/metadata encryption-iv, encryption-tag missing/);
    const { [METADATA_FORMAT_VERSION]: _version, ...withoutVersion } = encoded.metadata ?? {};
    expect((await decodeError(codec, [{ metadata: withoutVersion, data: encoded.data }])).message).toMatch(/no encryption-format-version/);
  });

  it('makes one key-provider call per 10,000 payloads encoded and decoded in one process', async () => {
    const payloads = Array.from({ length: 10_000 }, (_, i) => toPayload({ i }));
    const encoded: Payload[] = [];
    for (let i = 0; i < payloads.length; i += 100) encoded.push(...(await codec.encode(payloads.slice(i, i + 100))));
    await codec.decode(encoded);
    expect(provider.calls).toEqual({ generateDataKey: 1, unwrap: 0, rewrap: 0 });

    const reader = new CountingKeyProvider(new LocalKeyProvider({ keyFile: join(dir, 'keys.json') }));
    await new EncryptionCodec({ keys: reader, namespace: 'default' }).decode(encoded);
    expect(reader.calls).toEqual({ generateDataKey: 0, unwrap: 1, rewrap: 0 });
  });

  it('honours the cache limits it is given', async () => {
    const limited = new EncryptionCodec({ keys: new DataKeyCache(provider, { maxUses: 10 }), namespace: 'default' });
    for (let i = 0; i < 1_000; i++) await limited.encode([toPayload(i)]);
    expect(provider.calls.generateDataKey).toBe(100);
  });

  it('shares one key-provider call among concurrent first encodes', async () => {
    await Promise.all(Array.from({ length: 50 }, (_, i) => codec.encode([toPayload(i)])));
    expect(provider.calls.generateDataKey).toBe(1);
  });
});
