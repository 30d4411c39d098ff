import { defaultPayloadConverter } from '@temporalio/common';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsKmsKeyProvider } from './aws-kms.key-provider';
import { createDataKeyCache, createFieldSealer, createKeyProvider, createPayloadCodec, type CodecOptions } from './codec-factory';
import { isEncrypted } from './encryption-codec';
import { LocalKeyProvider } from './local.key-provider';

/** The documented defaults (see the codec fragment of `@enrich/config`) on a key file of this suite. */
const localOptions = (keyFile: string, overrides: Partial<CodecOptions> = {}): CodecOptions => ({
  encryption: true,
  keyProvider: { kind: 'local', keyFile },
  dataKeys: { maxAgeMs: 300_000, maxUses: 100_000 },
  keyCache: { ttlMs: 600_000, maxEntries: 1_000 },
  ...overrides,
});

describe('codec factories', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'codec-factory-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('builds the provider the config names', () => {
    expect(createKeyProvider(localOptions(join(dir, 'k.json')))).toBeInstanceOf(LocalKeyProvider);
    const kms = createKeyProvider({
      keyProvider: { kind: 'aws-kms', keyId: 'alias/enrich', decryptKeyIds: ['alias/enrich', 'alias/old'], region: 'us-east-1' },
    });
    expect(kms).toBeInstanceOf(AwsKmsKeyProvider);
    expect((kms as AwsKmsKeyProvider).decryptKeyIds).toEqual(['alias/enrich', 'alias/old']);
    (kms as AwsKmsKeyProvider).destroy();
  });

  it('builds a codec and a sealer sharing one cache, and a codec that stops encrypting when told', async () => {
    const config = localOptions(join(dir, 'keys.json'), { dataKeys: { maxAgeMs: 300_000, maxUses: 5 } });
    const keys = createDataKeyCache(config);
    const codec = createPayloadCodec(config, { namespace: 'default', keys });
    const sealer = createFieldSealer(config, { namespace: 'default', keys });
    expect(codec.keys).toBe(keys);
    expect(sealer.keys).toBe(keys);
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload('x')]);
    expect(isEncrypted(encrypted)).toBe(true);
    expect(await sealer.open(await sealer.seal('y'))).toBe('y');

    const off = createPayloadCodec({ ...config, encryption: false }, { namespace: 'default' });
    const plain = defaultPayloadConverter.toPayload('z');
    expect(await off.encode([plain])).toEqual([plain]);
    expect(defaultPayloadConverter.fromPayload((await off.decode([encrypted]))[0])).toBe('x');
  });
});
