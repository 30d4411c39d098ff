/**
 * Protecting data that passes through Temporal.
 *
 * - {@link EncryptionCodec}: a `PayloadCodec` encrypting every payload with AES-256-GCM under a
 *   data key wrapped by a master key; {@link createDataConverter} adds a failure converter that
 *   encrypts error messages and stack traces too.
 * - {@link KeyProvider}s hold the master keys: {@link AwsKmsKeyProvider} (AWS KMS, with a decrypt
 *   allowlist for rotation) and {@link LocalKeyProvider} (a key file; the zero-setup default).
 * - {@link DataKeyCache} keeps master-key calls rare and zeroes key bytes it drops.
 * - {@link FieldSealer} seals personal fields into `Sealed<T>` values (`@enrich/domain`) that
 *   stay sealed through workflows, queries and logs until an activity opens them.
 * - {@link createPayloadCodec}, {@link createFieldSealer} and {@link createKeyProvider} build all
 *   this from {@link CodecOptions}, a type of this lib: the codec depends on no app configuration,
 *   each app's config produces the options (the codec fragment of `@enrich/config`).
 *
 * Test doubles are not here but in `@enrich/codec/testing`, so production code cannot reach them.
 *
 * @module
 */
export { AwsKmsKeyProvider, type AwsKmsKeyProviderOptions } from './aws-kms.key-provider';
export { LocalKeyProvider, type LocalKeyProviderOptions, type LocalKeyFile, type LocalMasterKeyRecord } from './local.key-provider';
export type { KeyProvider, GeneratedDataKey, WrappedDataKey } from './key-provider';
export type { EncryptionContext, EncryptionPurpose } from './encryption-context';
export { DataKeyCache, DATA_KEY_CACHE_DEFAULTS, type DataKeyCacheOptions, type DataKeyLease, type DataKeyCacheStats } from './data-key-cache';
export {
  EncryptionCodec,
  isEncrypted,
  ENCRYPTED_ENCODING,
  ENCRYPTION_FORMAT_VERSION,
  METADATA_FORMAT_VERSION,
  METADATA_IV,
  METADATA_KEY_ID,
  METADATA_TAG,
  METADATA_WRAPPED_KEY,
  type EncryptionCodecOptions,
} from './encryption-codec';
export { createDataConverter, FAILURE_CONVERTER_PATH } from './data-converter';
export { failureConverter } from './failure-converter';
export { FieldSealer, type FieldSealerOptions } from './field-sealer';
export {
  createKeyProvider,
  createDataKeyCache,
  createPayloadCodec,
  createFieldSealer,
  createCodecKit,
  type CodecKit,
  type CodecOptions,
  type KeyProviderOptions,
  type CreateKeyProviderOptions,
  type CreateCodecOptions,
} from './codec-factory';
export {
  CodecError,
  KeyProviderError,
  KeyNotAllowedError,
  UnknownKeyError,
  PayloadDecodeError,
  SealError,
  AuthenticationError,
  type KeyOperation,
} from './errors';
