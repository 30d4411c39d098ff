import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { aesGcmEncryptDetached, aesGcmOpenParts, IV_BYTES, TAG_BYTES } from './aes-gcm';
import { DataKeyCache } from './data-key-cache';
import { contextAad, type EncryptionContext } from './encryption-context';
import { AuthenticationError, KeyProviderError, PayloadDecodeError } from './errors';
import type { KeyProvider } from './key-provider';

/** `encoding` metadata of an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key: id of the master key the data key is wrapped under (UTF-8). */
export const METADATA_KEY_ID = 'encryption-key-id';
/** Metadata key: the wrapped data key (raw bytes). */
export const METADATA_WRAPPED_KEY = 'encryption-wrapped-key';
/** Metadata key: format version of the encrypted payload (UTF-8 digits). */
export const METADATA_FORMAT_VERSION = 'encryption-format-version';
/** Metadata key: the 12-byte AES-GCM IV. */
export const METADATA_IV = 'encryption-iv';
/** Metadata key: the 16-byte AES-GCM authentication tag. */
export const METADATA_TAG = 'encryption-tag';
/**
 * The format this codec writes. Version 1: `data` is the AES-256-GCM ciphertext of the whole
 * inner `temporal.api.common.v1.Payload` proto under the data key, with additional data
 * `"enrich/temporal-payload/v1\n" + JSON.stringify([namespace, "temporal-payload"])`; IV and tag
 * are in their own metadata entries.
 */
export const ENCRYPTION_FORMAT_VERSION = 1;

const ProtoPayload = temporal.api.common.v1.Payload;
const ENCRYPTED_ENCODING_BYTES = Buffer.from(ENCRYPTED_ENCODING, 'utf8');
const FORMAT_VERSION_BYTES = Buffer.from(String(ENCRYPTION_FORMAT_VERSION), 'utf8');
const PAYLOAD_AAD_LABEL = `enrich/temporal-payload/v${ENCRYPTION_FORMAT_VERSION}`;
const EMPTY = new Uint8Array(0);
/** Protobuf key of `Payload.data`: field 2, wire type 2 (length-delimited). */
const DATA_FIELD_KEY = (2 << 3) | 2;

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
 * besides master-key access: `encoding: binary/encrypted`, the master key id, the wrapped data key,
 * the format version, IV and tag (see {@link ENCRYPTION_FORMAT_VERSION}).
 *
 * The namespace given at construction is the one bound into data keys; Temporal's (experimental)
 * serialization context is not used, so the codec server decodes with the same setting.
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
  private keyIdBytes: { keyId: string; bytes: Buffer } | undefined;
  private keyIdRead: { keyId: string; bytes: Buffer } | undefined;

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
      const plaintext = payloadProtoChunks(payload);
      encoded.push(
        await this.keys.withEncryptionKey(this.context, (key) => {
          const { iv, ciphertext, tag } = aesGcmEncryptDetached(key.plaintext, plaintext, this.aad);
          return {
            metadata: {
              [METADATA_ENCODING_KEY]: ENCRYPTED_ENCODING_BYTES,
              [METADATA_KEY_ID]: this.keyIdToBytes(key.keyId),
              [METADATA_WRAPPED_KEY]: key.wrapped,
              [METADATA_FORMAT_VERSION]: FORMAT_VERSION_BYTES,
              [METADATA_IV]: iv,
              [METADATA_TAG]: tag,
            },
            data: ciphertext,
          };
        }),
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
      decoded.push(
        isEncrypted(payload) ? await this.decrypt(payload, payloads.length > 1 ? `payload ${index + 1} of ${payloads.length}` : 'payload') : payload,
      );
    }
    return decoded;
  }

  private async decrypt(payload: Payload, which: string): Promise<Payload> {
    const metadata = payload.metadata ?? {};
    const versionBytes = metadata[METADATA_FORMAT_VERSION];
    const version = versionBytes && FORMAT_VERSION_BYTES.equals(versionBytes) ? String(ENCRYPTION_FORMAT_VERSION) : text(versionBytes);
    if (version === undefined)
      throw new PayloadDecodeError(`Cannot decrypt ${which}: it is ${ENCRYPTED_ENCODING} but has no ${METADATA_FORMAT_VERSION} metadata.`);
    if (version !== String(ENCRYPTION_FORMAT_VERSION)) {
      throw new PayloadDecodeError(
        `Cannot decrypt ${which}: ${METADATA_FORMAT_VERSION} ${JSON.stringify(version)} is not supported (this codec reads version ${ENCRYPTION_FORMAT_VERSION}); ` +
          'it was written by a newer codec, so upgrade @enrich/codec here.',
      );
    }
    const keyId = this.keyIdOf(metadata[METADATA_KEY_ID]);
    const wrapped = metadata[METADATA_WRAPPED_KEY];
    const iv = metadata[METADATA_IV];
    const tag = metadata[METADATA_TAG];
    if (!keyId || !wrapped?.length || !iv?.length || !tag?.length) {
      const fields: [string, { length: number } | null | undefined][] = [
        [METADATA_KEY_ID, keyId],
        [METADATA_WRAPPED_KEY, wrapped],
        [METADATA_IV, iv],
        [METADATA_TAG, tag],
      ];
      const missing = fields.filter(([, value]) => !value?.length).map(([name]) => name);
      throw new PayloadDecodeError(`Cannot decrypt ${which}: metadata ${missing.join(', ')} missing.`, keyId);
    }
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new PayloadDecodeError(
        `Cannot decrypt ${which}: ${METADATA_IV} must be ${IV_BYTES} bytes and ${METADATA_TAG} ${TAG_BYTES} (got ${iv.length} and ${tag.length}).`,
        keyId,
      );
    }
    let plaintext: Buffer;
    try {
      plaintext = await this.keys.withDecryptionKey(wrapped, keyId, this.context, (key) => aesGcmOpenParts(key, iv, payload.data ?? EMPTY, tag, this.aad));
    } catch (error) {
      if (error instanceof KeyProviderError) {
        throw new PayloadDecodeError(`Cannot decrypt ${which}: its data key (wrapped under ${keyId}) was not unwrapped. ${error.message}`, keyId, {
          cause: error,
        });
      }
      if (error instanceof AuthenticationError) {
        throw new PayloadDecodeError(`Cannot decrypt ${which} (data key under ${keyId}): ${error.message}.`, keyId, { cause: error });
      }
      throw error;
    }
    try {
      const inner = ProtoPayload.decode(plaintext);
      // protobufjs leaves an absent bytes field as a shared empty array, not a Uint8Array.
      return { ...inner, metadata: inner.metadata ?? {}, data: inner.data instanceof Uint8Array ? inner.data : new Uint8Array(inner.data ?? []) } as Payload;
    } catch (error) {
      throw new PayloadDecodeError(`Cannot decode ${which}: it decrypted but is not a Payload protobuf.`, keyId, { cause: error });
    }
  }

  /** The key id's bytes, reused while the key id stays the same (it changes once per data key at most). */
  private keyIdToBytes(keyId: string): Buffer {
    if (this.keyIdBytes?.keyId !== keyId) this.keyIdBytes = { keyId, bytes: Buffer.from(keyId, 'utf8') };
    return this.keyIdBytes.bytes;
  }

  /** The key id from its metadata bytes, reusing the last one read: consecutive payloads mostly share it. */
  private keyIdOf(bytes: Uint8Array | null | undefined): string | undefined {
    if (!bytes) return undefined;
    if (this.keyIdRead?.bytes.equals(bytes)) return this.keyIdRead.keyId;
    const keyId = text(bytes) as string;
    this.keyIdRead = { keyId, bytes: Buffer.from(bytes) };
    return keyId;
  }
}

/** Whether a payload was written by {@link EncryptionCodec} (its `encoding` is `binary/encrypted`). */
export function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
  return encoding !== undefined && encoding !== null && ENCRYPTED_ENCODING_BYTES.equals(encoding);
}

/**
 * The Payload proto encoding of `payload` as chunks: every field but `data`, then the `data`
 * field. Protobuf parsers accept fields in any order, so together they are a valid Payload
 * message, and the (often large) data is copied once, into the cipher's staging buffer, instead
 * of twice.
 */
function payloadProtoChunks(payload: Payload): Uint8Array[] {
  const head = ProtoPayload.encode({ ...payload, data: null }).finish();
  const data = payload.data ?? EMPTY;
  if (data.length === 0) return [head];
  return [head, dataFieldHeader(data.length), data];
}

function dataFieldHeader(length: number): Uint8Array {
  const header = [DATA_FIELD_KEY];
  // Varint: 7 bits at a time, low first.
  let rest = length;
  while (rest >= 0x80) {
    header.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  header.push(rest);
  return Uint8Array.from(header);
}

function text(bytes: Uint8Array | null | undefined): string | undefined {
  return bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8') : undefined;
}
