import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AuthenticationError } from './errors';

/** AES-256 key length in bytes. */
export const KEY_BYTES = 32;
/** GCM IV length in bytes: 96 bits, the size GCM is designed for (no GHASH of the IV). */
export const IV_BYTES = 12;
/** GCM authentication tag length in bytes. */
export const TAG_BYTES = 16;

const ALGORITHM = 'aes-256-gcm';
const IV_POOL_BYTES = IV_BYTES * 1024;

let ivPool = Buffer.alloc(0);
let ivOffset = 0;

/**
 * A fresh random 12-byte IV. Drawn from a pool filled by the CSPRNG 1,024 IVs at a time: one
 * `randomBytes` call per IV costs as much as encrypting a few kilobytes.
 */
export function randomIv(): Buffer {
  if (ivOffset + IV_BYTES > ivPool.length) {
    // A new pool each time: IVs handed out earlier are views that must never change.
    ivPool = randomBytes(IV_POOL_BYTES);
    ivOffset = 0;
  }
  const iv = ivPool.subarray(ivOffset, ivOffset + IV_BYTES);
  ivOffset += IV_BYTES;
  return iv;
}

/** Encrypts `plaintext` under a fresh random IV; returns `iv ‖ ciphertext ‖ tag`. */
export function aesGcmSeal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  return Buffer.concat(aesGcmSealParts(key, randomIv(), plaintext, aad));
}

/** An AES-GCM ciphertext with its IV and tag kept apart. */
export interface DetachedCiphertext {
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

// Larger plaintexts get a one-off buffer, so the scratch never pins more than this.
const SCRATCH_MAX_BYTES = 1024 * 1024;
let scratch: Buffer | undefined;

/**
 * Encrypts the concatenation of `chunks` under a fresh random IV into a single ciphertext buffer,
 * with IV and tag returned apart. The ciphertext is the only large allocation: gluing IV and tag
 * onto it would allocate and copy it a second time, which costs about a third of the AES work.
 * The chunks are staged in a reusable scratch buffer that is zeroed right after, so no plaintext
 * lingers in it.
 */
export function aesGcmEncryptDetached(key: Uint8Array, chunks: readonly Uint8Array[], aad: Uint8Array): DetachedCiphertext {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const staging = chunks.length === 1 ? undefined : total <= SCRATCH_MAX_BYTES ? scratchOf(total) : Buffer.allocUnsafe(total);
  let plaintext: Uint8Array = chunks[0] ?? new Uint8Array(0);
  if (staging) {
    let offset = 0;
    for (const chunk of chunks) {
      staging.set(chunk, offset);
      offset += chunk.length;
    }
    plaintext = staging.subarray(0, total);
  }
  try {
    const iv = Buffer.from(randomIv());
    const [, ciphertext, tag] = aesGcmSealParts(key, iv, plaintext, aad);
    return { iv, ciphertext, tag };
  } finally {
    staging?.fill(0, 0, total);
  }
}

function scratchOf(size: number): Buffer {
  if (!scratch || scratch.length < size) {
    scratch = Buffer.allocUnsafeSlow(Math.min(SCRATCH_MAX_BYTES, Math.max(size, 2 * (scratch?.length ?? 32 * 1024))));
  }
  return scratch;
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
