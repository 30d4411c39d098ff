import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AuthenticationError } from './errors';

/** AES-256 key length in bytes. */
export const KEY_BYTES = 32;
/** GCM IV length in bytes: 96 bits, the size GCM is designed for (no GHASH of the IV). */
export const IV_BYTES = 12;
/** GCM authentication tag length in bytes. */
export const TAG_BYTES = 16;

const ALGORITHM = 'aes-256-gcm';

/** Encrypts `plaintext` under a fresh random IV; returns `iv ‖ ciphertext ‖ tag`. */
export function aesGcmSeal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const iv = randomBytes(IV_BYTES);
  return Buffer.concat(aesGcmSealParts(key, iv, plaintext, aad));
}

/** Encrypts under the given IV; returns `[iv, ciphertext, tag]` so callers can lay them out. */
export function aesGcmSealParts(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): [Uint8Array, Buffer, Buffer] {
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  // GCM is a stream mode: final() emits nothing, but it computes the tag.
  cipher.final();
  return [iv, body, cipher.getAuthTag()];
}

/**
 * Decrypts `iv ‖ ciphertext ‖ tag` as written by {@link aesGcmSeal}.
 *
 * @throws {@link AuthenticationError} when the blob is too short or fails authentication.
 */
export function aesGcmOpen(key: Uint8Array, blob: Uint8Array, aad: Uint8Array): Buffer {
  if (blob.length < IV_BYTES + TAG_BYTES) {
    throw new AuthenticationError(`ciphertext is ${blob.length} bytes, shorter than IV + tag (${IV_BYTES + TAG_BYTES})`);
  }
  return aesGcmOpenParts(key, blob.subarray(0, IV_BYTES), blob.subarray(IV_BYTES, blob.length - TAG_BYTES), blob.subarray(blob.length - TAG_BYTES), aad);
}

/**
 * Decrypts a ciphertext given its IV and tag separately.
 *
 * @throws {@link AuthenticationError} when it fails authentication.
 */
export function aesGcmOpenParts(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad: Uint8Array): Buffer {
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new AuthenticationError(`IV must be ${IV_BYTES} bytes and tag ${TAG_BYTES} bytes (got ${iv.length} and ${tag.length})`);
  }
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const body = decipher.update(ciphertext);
    const rest = decipher.final();
    return rest.length === 0 ? body : Buffer.concat([body, rest]);
  } catch (error) {
    throw new AuthenticationError('ciphertext failed authentication (tampered, truncated, or encrypted under another key or context)', {
      cause: error,
    });
  }
}
