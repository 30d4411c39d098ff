/** Base class of every error thrown by `@enrich/codec`. */
export class CodecError extends Error {
  override readonly name: string = 'CodecError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** What a key provider was doing when it failed. */
export type KeyOperation = 'generateDataKey' | 'unwrap' | 'rewrap' | 'resolveKey' | 'loadKeys' | 'rotate';

/**
 * A key provider could not generate, unwrap or rewrap a data key. The message names the operation,
 * the key and what to check; the provider's own error (often message-less) is the `cause`.
 */
export class KeyProviderError extends CodecError {
  override readonly name: string = 'KeyProviderError';

  constructor(
    message: string,
    /** The failed operation. */
    readonly operation: KeyOperation,
    /** The master key involved, when known. */
    readonly keyId: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Decryption under `keyId` was refused because the key is not on the provider's decrypt allowlist. */
export class KeyNotAllowedError extends KeyProviderError {
  override readonly name: string = 'KeyNotAllowedError';

  constructor(
    keyId: string,
    /** The allowlist as configured. */
    readonly allowed: readonly string[],
    operation: KeyOperation = 'unwrap',
  ) {
    super(
      `Key ${keyId} is not on the decrypt allowlist (${allowed.join(', ') || 'empty'}), so data wrapped under it is not decrypted. ` +
        'If this key is a previous key whose data must stay readable, add it to KMS_DECRYPT_KEY_IDS.',
      operation,
      keyId,
    );
  }
}

/** The master key a data key was wrapped under is not known to the provider (e.g. a local key file without it). */
export class UnknownKeyError extends KeyProviderError {
  override readonly name: string = 'UnknownKeyError';
}

/** A payload marked `binary/encrypted` could not be decrypted. Never carries any plaintext. */
export class PayloadDecodeError extends CodecError {
  override readonly name: string = 'PayloadDecodeError';

  constructor(
    message: string,
    /** Master key id from the payload's metadata, when present. */
    readonly keyId?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A value could not be sealed or a sealed value could not be opened. Never carries any plaintext. */
export class SealError extends CodecError {
  override readonly name: string = 'SealError';
}

/** Ciphertext failed AES-GCM authentication: tampered, truncated, or under another key or context. */
export class AuthenticationError extends CodecError {
  override readonly name: string = 'AuthenticationError';
}
