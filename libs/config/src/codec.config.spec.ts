import { ConfigError, loadCodecConfig } from './index';

describe('the codec fragment', () => {
  it('defaults to encryption on with the local key file and the documented cache limits', () => {
    expect(loadCodecConfig({})).toEqual({
      encryption: true,
      keyProvider: { kind: 'local', keyFile: '.stack/demo/keys/master-keys.json' },
      dataKeys: { maxAgeMs: 300_000, maxUses: 100_000 },
      keyCache: { ttlMs: 600_000, maxEntries: 1_000 },
    });
  });

  it('reads the KMS settings; the decrypt allowlist defaults to the key', () => {
    const config = loadCodecConfig({
      CODEC_KEY_PROVIDER: 'aws-kms',
      KMS_KEY_ID: 'alias/enrich',
      KMS_ENDPOINT: 'http://127.0.0.1:14566/',
      AWS_REGION: 'eu-west-1',
    });
    expect(config.keyProvider).toEqual({
      kind: 'aws-kms',
      keyId: 'alias/enrich',
      decryptKeyIds: ['alias/enrich'],
      endpoint: 'http://127.0.0.1:14566',
      region: 'eu-west-1',
    });
    const rotated = loadCodecConfig({
      CODEC_KEY_PROVIDER: 'aws-kms',
      KMS_KEY_ID: 'alias/enrich',
      KMS_DECRYPT_KEY_IDS: 'alias/enrich, arn:aws:kms:us-east-1:123456789012:key/0c3660b9-f203-4fd8-9972-1d00b55830f5',
    });
    expect(rotated.keyProvider).toMatchObject({
      decryptKeyIds: ['alias/enrich', 'arn:aws:kms:us-east-1:123456789012:key/0c3660b9-f203-4fd8-9972-1d00b55830f5'],
    });
  });

  it('names every bad variable', () => {
    let error: unknown;
    try {
      loadCodecConfig({
        CODEC_KEY_PROVIDER: 'aws-kms',
        CODEC_ENCRYPTION: 'maybe',
        KMS_DECRYPT_KEY_IDS: 'alias/ok,not a key',
        CODEC_KEY_CACHE_SIZE: '0',
        KMS_ENDPOINT: 'kms',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((issue) => issue.variable).sort()).toEqual([
      'CODEC_ENCRYPTION',
      'CODEC_KEY_CACHE_SIZE',
      'KMS_DECRYPT_KEY_IDS.1',
      'KMS_ENDPOINT',
    ]);
    expect(() => loadCodecConfig({ CODEC_KEY_PROVIDER: 'aws-kms' })).toThrow(/KMS_KEY_ID: required when CODEC_KEY_PROVIDER=aws-kms/);
    expect(() => loadCodecConfig({ CODEC_KEY_PROVIDER: 'vault' })).toThrow(/CODEC_KEY_PROVIDER: must be local or aws-kms/);
  });
});
