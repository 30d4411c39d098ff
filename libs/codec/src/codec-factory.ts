import type { KMSClient } from '@aws-sdk/client-kms';
import type { DataConverter } from '@temporalio/common';
import { createDataConverter } from './data-converter';
import { AwsKmsKeyProvider } from './aws-kms.key-provider';
import { DataKeyCache } from './data-key-cache';
import { EncryptionCodec } from './encryption-codec';
import { FieldSealer } from './field-sealer';
import type { KeyProvider } from './key-provider';
import { LocalKeyProvider } from './local.key-provider';

/** Where master keys live: a local key file, or AWS KMS. */
export type KeyProviderOptions =
  | {
      kind: 'local';
      /** Master keys of the {@link LocalKeyProvider}; created (mode 0600) on first use. */
      keyFile: string;
    }
  | {
      kind: 'aws-kms';
      /** Key (alias or ARN) new data is encrypted under. */
      keyId: string;
      /** Keys data may be decrypted under. */
      decryptKeyIds: string[];
      /** Endpoint override (an emulator); unset = the region's AWS endpoint. */
      endpoint?: string;
      region: string;
    };

/**
 * What the factories below build: the key provider, data-key limits and whether to encrypt.
 * Declared here, not in an app's config, so the codec depends on no configuration library; each
 * app's config (the codec fragment of `@enrich/config`) produces a value of this shape.
 */
export interface CodecOptions {
  /** Encrypt new payloads; decryption of encrypted payloads works either way. */
  encryption: boolean;
  keyProvider: KeyProviderOptions;
  /** Limits on one generated (encryption) data key. */
  dataKeys: { maxAgeMs: number; maxUses: number };
  /** Cache of unwrapped (decryption) data keys. */
  keyCache: { ttlMs: number; maxEntries: number };
}

/** Options of {@link createKeyProvider}. */
export interface CreateKeyProviderOptions {
  /** A ready KMS client (tests, custom credentials); by default one is made from the options. */
  kmsClient?: KMSClient;
}

/** The key provider `config` names: the local key file or AWS KMS. */
export function createKeyProvider(config: Pick<CodecOptions, 'keyProvider'>, options: CreateKeyProviderOptions = {}): KeyProvider {
  const settings = config.keyProvider;
  if (settings.kind === 'local') return new LocalKeyProvider({ keyFile: settings.keyFile });
  return new AwsKmsKeyProvider({
    keyId: settings.keyId,
    decryptKeyIds: settings.decryptKeyIds,
    client: options.kmsClient ?? { region: settings.region, ...(settings.endpoint ? { endpoint: settings.endpoint } : {}) },
  });
}

/** A data-key cache over `provider` (default: {@link createKeyProvider}) with the limits of `config`. */
export function createDataKeyCache(
  config: Pick<CodecOptions, 'keyProvider' | 'dataKeys' | 'keyCache'>,
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
  /** A cache to share (a codec and a sealer in one process should share one); default: a new one from the {@link CodecOptions}. */
  keys?: DataKeyCache;
}

/**
 * The payload codec `config` describes. With `encryption: false` it encrypts nothing new but
 * still decrypts, so turning encryption off never strands history.
 */
export function createPayloadCodec(config: CodecOptions, options: CreateCodecOptions): EncryptionCodec {
  return new EncryptionCodec({ keys: options.keys ?? createDataKeyCache(config), namespace: options.namespace, encrypt: config.encryption });
}

/** The field sealer `config` describes. */
export function createFieldSealer(config: CodecOptions, options: CreateCodecOptions): FieldSealer {
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
export function createCodecKit(config: CodecOptions, options: CreateCodecOptions): CodecKit {
  const keys = options.keys ?? createDataKeyCache(config);
  const codec = createPayloadCodec(config, { ...options, keys });
  return { codec, sealer: createFieldSealer(config, { ...options, keys }), dataConverter: createDataConverter(codec), keys };
}
