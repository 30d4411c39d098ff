import type { CodecConfig } from '@enrich/config';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { DataConverter } from '@temporalio/common';
import { createDataConverter } from './data-converter';
import { AwsKmsKeyProvider } from './aws-kms.key-provider';
import { DataKeyCache } from './data-key-cache';
import { EncryptionCodec } from './encryption-codec';
import { FieldSealer } from './field-sealer';
import type { KeyProvider } from './key-provider';
import { LocalKeyProvider } from './local.key-provider';

/** Options of {@link createKeyProvider}. */
export interface CreateKeyProviderOptions {
  /** A ready KMS client (tests, custom credentials); by default one is made from the config. */
  kmsClient?: KMSClient;
}

/** The key provider the config names: the local key file or AWS KMS. */
export function createKeyProvider(config: Pick<CodecConfig, 'keyProvider'>, options: CreateKeyProviderOptions = {}): KeyProvider {
  const settings = config.keyProvider;
  if (settings.kind === 'local') return new LocalKeyProvider({ keyFile: settings.keyFile });
  return new AwsKmsKeyProvider({
    keyId: settings.keyId,
    decryptKeyIds: settings.decryptKeyIds,
    client: options.kmsClient ?? { region: settings.region, ...(settings.endpoint ? { endpoint: settings.endpoint } : {}) },
  });
}

/** A data-key cache over `provider` (default: {@link createKeyProvider}) with the config's limits. */
export function createDataKeyCache(
  config: Pick<CodecConfig, 'keyProvider' | 'dataKeys' | 'keyCache'>,
  provider: KeyProvider = createKeyProvider(config),
): DataKeyCache {
  return new DataKeyCache(provider, {
    maxAgeMs: config.dataKeys.maxAgeMs,
    maxUses: config.dataKeys.maxUses,
    unwrappedTtlMs: config.keyCache.ttlMs,
    maxUnwrapped: config.keyCache.maxEntries,
  });
}

/** Options of {@link createPayloadCodec} and {@link createFieldSealer}. */
export interface CreateCodecOptions {
  /** Temporal namespace the data belongs to. */
  namespace: string;
  /** A cache to share (a codec and a sealer in one process should share one); default: a new one from the config. */
  keys?: DataKeyCache;
}

/**
 * The payload codec the config describes. With `encryption: false` it encrypts nothing new but
 * still decrypts, so turning encryption off never strands history.
 */
export function createPayloadCodec(config: CodecConfig, options: CreateCodecOptions): EncryptionCodec {
  return new EncryptionCodec({ keys: options.keys ?? createDataKeyCache(config), namespace: options.namespace, encrypt: config.encryption });
}

/** The field sealer the config describes. */
export function createFieldSealer(config: CodecConfig, options: CreateCodecOptions): FieldSealer {
  return new FieldSealer({ keys: options.keys ?? createDataKeyCache(config), namespace: options.namespace });
}

/** Everything a process needs to read and write protected data, over one shared key cache. */
export interface CodecKit {
  codec: EncryptionCodec;
  sealer: FieldSealer;
  dataConverter: DataConverter;
  keys: DataKeyCache;
}

/**
 * The payload codec, field sealer and Temporal data converter of one namespace, sharing one
 * data-key cache (so sealing a field and encrypting its payload cost one key-provider call).
 */
export function createCodecKit(config: CodecConfig, options: CreateCodecOptions): CodecKit {
  const keys = options.keys ?? createDataKeyCache(config);
  const codec = createPayloadCodec(config, { ...options, keys });
  return { codec, sealer: createFieldSealer(config, { ...options, keys }), dataConverter: createDataConverter(codec), keys };
}
