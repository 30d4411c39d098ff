import { isSealed, type OpenedRecord, type Sealed, type SealedRecord } from '@enrich/domain';
import { aesGcmOpenParts, aesGcmSealParts, randomIv, TAG_BYTES } from './aes-gcm';
import { DataKeyCache } from './data-key-cache';
import { contextAad, type EncryptionContext } from './encryption-context';
import { AuthenticationError, KeyProviderError, SealError } from './errors';
import type { KeyProvider } from './key-provider';

/** Options of {@link FieldSealer}. */
export interface FieldSealerOptions {
  /** Where data keys come from: best the same cache as the payload codec's. */
  keys: DataKeyCache | KeyProvider;
  /** Temporal namespace; bound into every data key, like payloads. */
  namespace: string;
}

const SEALED_AAD_LABEL = 'enrich/sealed-field/v1';

/**
 * Seals single values (e.g. a customer's email) into {@link Sealed} JSON that can travel through
 * workflow state, queries and logs without revealing them, and opens them where allowed. Each value
 * is the AES-256-GCM encryption of its JSON under a data key from the same key provider and cache
 * as payloads, with purpose `sealed-field`; the sealed value carries its wrapped data key, so any
 * holder of master-key access can open it with no other state.
 */
export class FieldSealer {
  /** The data-key cache. */
  readonly keys: DataKeyCache;
  /** Encryption context of sealing data keys. */
  readonly context: EncryptionContext;
  private readonly aad: Buffer;

  constructor(options: FieldSealerOptions) {
    this.keys = options.keys instanceof DataKeyCache ? options.keys : new DataKeyCache(options.keys);
    this.context = { namespace: options.namespace, purpose: 'sealed-field' };
    this.aad = contextAad(SEALED_AAD_LABEL, this.context);
  }

  /**
   * Seals a JSON-serializable value.
   *
   * @throws {@link SealError} when the value has no JSON form (undefined, a function, a bigint).
   */
  async seal<T>(value: T): Promise<Sealed<T>> {
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch (error) {
      throw new SealError(`Cannot seal a value that JSON.stringify rejects (${(error as Error).name}).`, { cause: error });
    }
    if (json === undefined) throw new SealError(`Cannot seal ${typeof value}: only JSON-serializable values can be sealed.`);
    const plaintext = Buffer.from(json, 'utf8');
    return this.keys.withEncryptionKey(this.context, (key) => {
      const [iv, ciphertext, tag] = aesGcmSealParts(key.plaintext, randomIv(), plaintext, this.aad);
      return {
        $sealed: 1,
        kid: key.keyId,
        wk: base64(key.wrapped),
        iv: base64(iv),
        ct: Buffer.concat([ciphertext, tag]).toString('base64'),
      } satisfies Sealed<T>;
    });
  }

  /**
   * Opens a sealed value.
   *
   * @throws {@link SealError} when it is not a sealed value, its key is unknown or not allowed, or it was tampered with.
   */
  async open<T>(sealed: Sealed<T>): Promise<T> {
    const checked = checkSealed(sealed);
    const iv = Buffer.from(checked.iv, 'base64');
    const body = Buffer.from(checked.ct, 'base64');
    if (body.length < TAG_BYTES) throw new SealError(`Cannot open sealed value (key ${checked.kid}): its ciphertext is shorter than the tag.`);
    let plaintext: Buffer;
    try {
      plaintext = await this.keys.withDecryptionKey(Buffer.from(checked.wk, 'base64'), checked.kid, this.context, (key) =>
        aesGcmOpenParts(key, iv, body.subarray(0, body.length - TAG_BYTES), body.subarray(body.length - TAG_BYTES), this.aad),
      );
    } catch (error) {
      if (error instanceof KeyProviderError) {
        throw new SealError(`Cannot open sealed value: its data key (wrapped under ${checked.kid}) was not unwrapped. ${error.message}`, { cause: error });
      }
      if (error instanceof AuthenticationError) throw new SealError(`Cannot open sealed value (key ${checked.kid}): ${error.message}.`, { cause: error });
      throw error;
    }
    return JSON.parse(plaintext.toString('utf8')) as T;
  }

  /**
   * Seals the properties `fields` of `record` (others are copied as they are). Absent and null
   * values stay as they are, and values that are already sealed are not sealed twice.
   */
  async sealRecord<T extends object, K extends keyof T & string>(record: T, fields: readonly K[]): Promise<SealedRecord<T, K>> {
    const sealed = { ...record } as Record<string, unknown>;
    await Promise.all(
      fields.map(async (field) => {
        const value: unknown = record[field];
        if (value === undefined || value === null || isSealed(value)) return;
        sealed[field] = await this.seal(value);
      }),
    );
    return sealed as SealedRecord<T, K>;
  }

  /** Opens the sealed properties of `record`: those named in `fields`, or by default every sealed one. */
  async openRecord<R extends object>(record: R, fields?: readonly (keyof R & string)[]): Promise<OpenedRecord<R>> {
    const opened = { ...record } as Record<string, unknown>;
    const names = fields ?? (Object.keys(record) as (keyof R & string)[]);
    await Promise.all(
      names.map(async (field) => {
        const value: unknown = record[field];
        if (isSealed(value)) opened[field] = await this.open(value);
      }),
    );
    return opened as OpenedRecord<R>;
  }

  /**
   * Re-wraps every sealed property of `record` whose key is not `currentKid` (when given) under
   * the provider's current key. Returns the new record and the key ids now wrapping its values
   * (`changed` is false when every value already was under the current key, so callers can skip
   * the write).
   */
  async rewrapRecord<R extends Record<string, unknown>>(record: R, currentKid?: string): Promise<{ record: R; changed: boolean; kids: string[] }> {
    let changed = false;
    const kids = new Set<string>();
    const entries = await Promise.all(
      Object.entries(record).map(async ([name, value]) => {
        if (!isSealed(value)) return [name, value] as const;
        if (currentKid !== undefined && value.kid === currentKid) {
          kids.add(value.kid);
          return [name, value] as const;
        }
        const rewrapped = await this.rewrapSealed(value);
        kids.add(rewrapped.kid);
        // Re-wrapping under the same key changes nothing worth writing.
        changed ||= rewrapped.kid !== value.kid;
        return [name, rewrapped] as const;
      }),
    );
    return { record: Object.fromEntries(entries) as R, changed, kids: [...kids] };
  }

  /**
   * Re-wraps a sealed value's data key under `targetKeyId` (default: the provider's current key)
   * for key rotation; the ciphertext is unchanged and the value is never decrypted here.
   */
  async rewrapSealed<T>(sealed: Sealed<T>, targetKeyId?: string): Promise<Sealed<T>> {
    const checked = checkSealed(sealed);
    try {
      const { keyId, wrapped } = await this.keys.provider.rewrap(Buffer.from(checked.wk, 'base64'), checked.kid, this.context, targetKeyId);
      return { $sealed: 1, kid: keyId, wk: base64(wrapped), iv: checked.iv, ct: checked.ct };
    } catch (error) {
      if (error instanceof KeyProviderError) {
        throw new SealError(`Cannot rewrap sealed value under ${targetKeyId ?? 'the current key'}: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }
}

function checkSealed<T>(value: Sealed<T>): Sealed<T> {
  const version = (value as { $sealed?: unknown } | null)?.$sealed;
  if (version !== undefined && version !== 1) {
    throw new SealError(`Sealed value has format version ${JSON.stringify(version)}; this codec reads version 1, so upgrade @enrich/codec here.`);
  }
  if (!isSealed(value)) throw new SealError('Not a sealed value: expected { $sealed: 1, kid, wk, iv, ct } with base64 strings.');
  return value as Sealed<T>;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
