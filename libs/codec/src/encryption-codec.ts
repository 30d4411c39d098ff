import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { aesGcmOpen, aesGcmSeal } from './aes-gcm';
import { DataKeyCache } from './data-key-cache';
import { contextAad, type EncryptionContext } from './encryption-context';
import { AuthenticationError, KeyProviderError, PayloadDecodeError } from './errors';
import type { KeyProvider } from './key-provider';

/** `encoding` metadata of an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key: id of the master key the data key is wrapped under. */
export const METADATA_KEY_ID = 'encryption-key-id';
/** Metadata key: the wrapped data key (raw bytes). */
export const METADATA_WRAPPED_KEY = 'encryption-wrapped-key';
/** Metadata key: format version of the encrypted payload. */
export const METADATA_FORMAT_VERSION = 'encryption-format-version';
/** The format this codec writes: AES-256-GCM over the whole inner Payload proto, data = `iv ‖ ciphertext ‖ tag`. */
export const ENCRYPTION_FORMAT_VERSION = 1;

const ProtoPayload = temporal.api.common.v1.Payload;
const ENCRYPTED_ENCODING_BYTES = Buffer.from(ENCRYPTED_ENCODING, 'utf8');
const FORMAT_VERSION_BYTES = Buffer.from(String(ENCRYPTION_FORMAT_VERSION), 'utf8');
const PAYLOAD_AAD_LABEL = `enrich/temporal-payload/v${ENCRYPTION_FORMAT_VERSION}`;

/** Options of {@link EncryptionCodec}. */
export interface EncryptionCodecOptions {
  /** Where data keys come from: a shared cache, or a provider to build a cache (with defaults) over. */
  keys: DataKeyCache | KeyProvider;
  /** Temporal namespace; bound into every data key, so payloads do not decrypt in another namespace. */
  namespace: string;
  /**
   * Encrypt new payloads (default true). When false, `encode` passes payloads through but
   * `decode` still decrypts, so history written while encryption was on stays readable.
   */
  encrypt?: boolean;
}

/**
 * Temporal payload codec that encrypts every payload with AES-256-GCM (random 12-byte IV) under a
 * KMS-wrapped data key. The whole original Payload proto is encrypted, so its metadata (encoding,
 * message type) is protected too. The encrypted payload carries everything needed to decrypt it
 * besides master-key access: `encoding: binary/encrypted`, the master key id, the wrapped data key
 * and the format version.
 *
 * Payloads that are not `binary/encrypted` decode untouched, so data written before encryption
 * was turned on stays readable. Decryption failures are {@link PayloadDecodeError}s.
 */
export class EncryptionCodec implements PayloadCodec {
  /** The data-key cache (shared with a {@link FieldSealer} if built that way). */
  readonly keys: DataKeyCache;
  /** Encryption context of payload data keys. */
  readonly context: EncryptionContext;
  private readonly encrypt: boolean;
  private readonly aad: Buffer;

  constructor(options: EncryptionCodecOptions) {
    this.keys = options.keys instanceof DataKeyCache ? options.keys : new DataKeyCache(options.keys);
    this.context = { namespace: options.namespace, purpose: 'temporal-payload' };
    this.encrypt = options.encrypt ?? true;
    this.aad = contextAad(PAYLOAD_AAD_LABEL, this.context);
  }

  /** Encrypts each payload (or passes them through when encryption is off). */
  async encode(payloads: Payload[]): Promise<Payload[]> {
    if (!this.encrypt) return payloads;
    const encoded: Payload[] = [];
    for (const payload of payloads) {
      const plaintext = ProtoPayload.encode(payload).finish();
      encoded.push(
        await this.keys.withEncryptionKey(this.context, (key) => ({
          metadata: {
            [METADATA_ENCODING_KEY]: ENCRYPTED_ENCODING_BYTES,
            [METADATA_KEY_ID]: Buffer.from(key.keyId, 'utf8'),
            [METADATA_WRAPPED_KEY]: key.wrapped,
            [METADATA_FORMAT_VERSION]: FORMAT_VERSION_BYTES,
          },
          data: aesGcmSeal(key.plaintext, plaintext, this.aad),
        })),
      );
    }
    return encoded;
  }

  /**
   * Decrypts `binary/encrypted` payloads; others pass through untouched.
   *
   * @throws {@link PayloadDecodeError} naming the payload, the key and the reason (never the data).
   */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    const decoded: Payload[] = [];
    for (const [index, payload] of payloads.entries()) {
      decoded.push(isEncrypted(payload) ? await this.decrypt(payload, payloads.length > 1 ? `payload ${index + 1} of ${payloads.length}` : 'payload') : payload);
    }
    return decoded;
  }

  private async decrypt(payload: Payload, which: string): Promise<Payload> {
    const metadata = payload.metadata ?? {};
    const version = text(metadata[METADATA_FORMAT_VERSION]);
    if (version === undefined) throw new PayloadDecodeError(`Cannot decrypt ${which}: it is ${ENCRYPTED_ENCODING} but has no ${METADATA_FORMAT_VERSION} metadata.`);
    if (version !== String(ENCRYPTION_FORMAT_VERSION)) {
      throw new PayloadDecodeError(
        `Cannot decrypt ${which}: ${METADATA_FORMAT_VERSION} ${JSON.stringify(version)} is not supported (this codec reads version ${ENCRYPTION_FORMAT_VERSION}); ` +
          'it was written by a newer codec, so upgrade @enrich/codec here.',
      );
    }
    const keyId = text(metadata[METADATA_KEY_ID]);
    const wrapped = metadata[METADATA_WRAPPED_KEY];
    if (!keyId || !wrapped?.length) {
      throw new PayloadDecodeError(`Cannot decrypt ${which}: ${METADATA_KEY_ID} or ${METADATA_WRAPPED_KEY} metadata is missing.`, keyId);
    }
    let plaintext: Buffer;
    try {
      plaintext = await this.keys.withDecryptionKey(wrapped, keyId, this.context, (key) => aesGcmOpen(key, payload.data ?? new Uint8Array(0), this.aad));
    } catch (error) {
      if (error instanceof KeyProviderError) {
        throw new PayloadDecodeError(`Cannot decrypt ${which}: its data key (wrapped under ${keyId}) was not unwrapped. ${error.message}`, keyId, { cause: error });
      }
      if (error instanceof AuthenticationError) {
        throw new PayloadDecodeError(`Cannot decrypt ${which} (data key under ${keyId}): ${error.message}.`, keyId, { cause: error });
      }
      throw error;
    }
    try {
      return ProtoPayload.decode(plaintext);
    } catch (error) {
      throw new PayloadDecodeError(`Cannot decode ${which}: it decrypted but is not a Payload protobuf.`, keyId, { cause: error });
    }
  }
}

/** Whether a payload was written by {@link EncryptionCodec} (its `encoding` is `binary/encrypted`). */
export function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
  return encoding !== undefined && encoding !== null && ENCRYPTED_ENCODING_BYTES.equals(encoding);
}

function text(bytes: Uint8Array | null | undefined): string | undefined {
  return bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8') : undefined;
}
