import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { aesGcmOpen, aesGcmSeal, KEY_BYTES } from './aes-gcm';
import { contextAad, describeContext, type EncryptionContext } from './encryption-context';
import { KeyProviderError, UnknownKeyError } from './errors';
import type { GeneratedDataKey, KeyProvider, WrappedDataKey } from './key-provider';

/** Options of {@link LocalKeyProvider}. */
export interface LocalKeyProviderOptions {
  /** JSON file with the master keys; created (mode 0600) on first use. */
  keyFile: string;
}

/** One master key as stored in the key file. */
export interface LocalMasterKeyRecord {
  /** `local-` and 8 hex digits. */
  id: string;
  /** The 32-byte key, base64. */
  key: string;
  /** When it was created (ISO 8601); informational. */
  createdAt?: string;
}

/** The key file: every master key ever used (old ones still unwrap) and which one is current. */
export interface LocalKeyFile {
  keys: LocalMasterKeyRecord[];
  current: string;
}

interface KeyRing {
  keys: Map<string, Buffer>;
  current: string;
}

const KEY_ID = /^local-[0-9a-f]{8}$/;
const WRAP_FORMAT = 1;
const WRAP_LABEL = 'enrich/local-data-key/v1';

/**
 * Key provider over master keys in a local file: the zero-setup default for development and the
 * demo. Data keys are wrapped with AES-256-GCM under the current master key, with the encryption
 * context and the master key id as additional data. `rotate()` adds a new current key; data keys
 * wrapped under older keys still unwrap.
 *
 * The key file is as sensitive as the data: anyone who can read it can decrypt every payload.
 * It must not be readable by group or others (it is refused otherwise).
 */
export class LocalKeyProvider implements KeyProvider {
  /** Absolute path of the key file. */
  readonly keyFile: string;
  private ring: Promise<KeyRing> | undefined;

  constructor(options: LocalKeyProviderOptions) {
    this.keyFile = resolve(options.keyFile);
  }

  /** The key file can be read and names a current key. */
  async check(): Promise<void> {
    await this.currentKeyId();
  }

  /** The id of the key new data keys are wrapped under (creating the key file if needed). */
  async currentKeyId(): Promise<string> {
    return (await this.load(true)).current;
  }

  /** Ids of every master key in the key file, oldest first. */
  async keyIds(): Promise<string[]> {
    return [...(await this.load(true)).keys.keys()];
  }

  /**
   * Adds a new master key and makes it current; returns its id. Older keys stay in the file, so
   * data keys wrapped under them still unwrap (and can be moved with {@link rewrap}). Rotate from
   * one process at a time: two rotations at the same moment can lose one of the new keys.
   */
  async rotate(): Promise<string> {
    await this.load(true);
    // Re-read: another process may have rotated since this one loaded the file.
    const file = await this.readKeyFile();
    if (!file) throw new KeyProviderError(`Key file ${this.keyFile} disappeared during rotation; restore it from backup.`, 'rotate', undefined);
    const ring = parseKeyFile(file, this.keyFile);
    const id = newKeyId(ring.keys);
    const key = randomBytes(KEY_BYTES);
    const next: LocalKeyFile = {
      keys: [...file.keys, { id, key: key.toString('base64'), createdAt: new Date().toISOString() }],
      current: id,
    };
    await this.writeKeyFile(next, 'replace');
    this.ring = Promise.resolve(parseKeyFile(next, this.keyFile));
    return id;
  }

  /** Generates a data key wrapped under the current master key. */
  async generateDataKey(context: EncryptionContext): Promise<GeneratedDataKey> {
    const ring = await this.load(true);
    const plaintext = new Uint8Array(randomBytes(KEY_BYTES));
    return { keyId: ring.current, plaintext, wrapped: wrapUnder(ring, ring.current, plaintext, context) };
  }

  /**
   * Unwraps a data key wrapped under the master key `keyId`.
   *
   * @throws {@link UnknownKeyError} when the key file has no such key.
   */
  async unwrap(wrapped: Uint8Array, keyId: string, context: EncryptionContext): Promise<Uint8Array> {
    const ring = await this.ringWith(keyId, 'unwrap');
    return unwrapWith(ring, wrapped, keyId, context, this.keyFile);
  }

  /** Re-wraps a data key under `targetKeyId` (default: the current key). */
  async rewrap(wrapped: Uint8Array, keyId: string, context: EncryptionContext, targetKeyId?: string): Promise<WrappedDataKey> {
    const ring = await this.ringWith(keyId, 'rewrap');
    const target = targetKeyId ?? ring.current;
    if (!ring.keys.has(target)) throw this.unknownKey(target, 'rewrap');
    const plaintext = unwrapWith(ring, wrapped, keyId, context, this.keyFile);
    try {
      return { keyId: target, wrapped: wrapUnder(ring, target, plaintext, context) };
    } finally {
      plaintext.fill(0);
    }
  }

  /** The ring, re-read once from disk when it lacks `keyId` (another process may have rotated). */
  private async ringWith(keyId: string, operation: 'unwrap' | 'rewrap'): Promise<KeyRing> {
    const ring = await this.load(false);
    if (ring.keys.has(keyId)) return ring;
    this.ring = undefined;
    const fresh = await this.load(false);
    if (fresh.keys.has(keyId)) return fresh;
    throw this.unknownKey(keyId, operation);
  }

  private unknownKey(keyId: string, operation: 'unwrap' | 'rewrap'): UnknownKeyError {
    return new UnknownKeyError(
      `Local master key ${keyId} is not in ${this.keyFile}. Data wrapped under it needs the key file it was written with ` +
        '(check CODEC_LOCAL_KEY_FILE), or it came from another environment.',
      operation,
      keyId,
    );
  }

  private load(create: boolean): Promise<KeyRing> {
    if (!this.ring) {
      const loading = this.readOrCreate(create);
      this.ring = loading;
      // A failed load is not cached: the next call tries again (e.g. after the file is fixed).
      loading.catch(() => {
        if (this.ring === loading) this.ring = undefined;
      });
    }
    return this.ring;
  }

  private async readOrCreate(create: boolean): Promise<KeyRing> {
    const existing = await this.readKeyFile();
    if (existing) return parseKeyFile(existing, this.keyFile);
    if (!create) {
      throw new UnknownKeyError(
        `Key file ${this.keyFile} does not exist, so no local master key can unwrap this data key. Check CODEC_LOCAL_KEY_FILE.`,
        'loadKeys',
        undefined,
      );
    }
    const id = newKeyId(new Map());
    const file: LocalKeyFile = {
      keys: [{ id, key: randomBytes(KEY_BYTES).toString('base64'), createdAt: new Date().toISOString() }],
      current: id,
    };
    const created = await this.writeKeyFile(file, 'create');
    // Another process won the race to create it: use theirs.
    return parseKeyFile(created ? file : ((await this.readKeyFile()) ?? file), this.keyFile);
  }

  private async readKeyFile(): Promise<LocalKeyFile | undefined> {
    let text: string;
    try {
      const info = await stat(this.keyFile);
      if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
        throw new KeyProviderError(
          `Key file ${this.keyFile} is readable by group or others (mode ${(info.mode & 0o777).toString(8)}); run: chmod 600 ${this.keyFile}`,
          'loadKeys',
          undefined,
        );
      }
      text = await readFile(this.keyFile, 'utf8');
    } catch (error) {
      if (error instanceof KeyProviderError) throw error;
      if (isErrno(error, 'ENOENT')) return undefined;
      throw new KeyProviderError(`Cannot read key file ${this.keyFile}: ${(error as Error).message}`, 'loadKeys', undefined, { cause: error });
    }
    try {
      return JSON.parse(text) as LocalKeyFile;
    } catch (error) {
      throw new KeyProviderError(`Key file ${this.keyFile} is not valid JSON; restore it from backup.`, 'loadKeys', undefined, { cause: error });
    }
  }

  /**
   * Writes through a temporary file so readers never see a partial file: `create` links it into
   * place (fails if someone else created the file first: returns false), `replace` renames over.
   */
  private async writeKeyFile(file: LocalKeyFile, mode: 'create' | 'replace'): Promise<boolean> {
    const dir = dirname(this.keyFile);
    const temp = `${this.keyFile}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`, 'utf8');
        // Losing a master key loses the data under it: make sure the bytes are on disk first.
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (mode === 'replace') {
        await rename(temp, this.keyFile);
        return true;
      }
      try {
        await link(temp, this.keyFile);
        return true;
      } catch (error) {
        if (isErrno(error, 'EEXIST')) return false;
        throw error;
      }
    } catch (error) {
      throw new KeyProviderError(`Cannot write key file ${this.keyFile}: ${(error as Error).message}`, 'loadKeys', undefined, { cause: error });
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }
}

function parseKeyFile(file: LocalKeyFile, path: string): KeyRing {
  const bad = (problem: string) => new KeyProviderError(`Key file ${path} is invalid: ${problem}`, 'loadKeys', undefined);
  if (typeof file !== 'object' || file === null || !Array.isArray(file.keys)) throw bad('expected { keys: [...], current }');
  const keys = new Map<string, Buffer>();
  for (const record of file.keys) {
    if (typeof record?.id !== 'string' || !KEY_ID.test(record.id)) throw bad(`key id ${JSON.stringify(record?.id)} is not local-<8 hex digits>`);
    if (keys.has(record.id)) throw bad(`key id ${record.id} appears twice`);
    const key = typeof record.key === 'string' ? Buffer.from(record.key, 'base64') : Buffer.alloc(0);
    if (key.length !== KEY_BYTES) throw bad(`key ${record.id} is not ${KEY_BYTES} bytes of base64`);
    keys.set(record.id, key);
  }
  if (!keys.has(file.current)) throw bad(`current key ${JSON.stringify(file.current)} is not among the keys`);
  return { keys, current: file.current };
}

function newKeyId(existing: ReadonlyMap<string, unknown>): string {
  for (;;) {
    const id = `local-${randomBytes(4).toString('hex')}`;
    if (!existing.has(id)) return id;
  }
}

function wrapAad(keyId: string, context: EncryptionContext): Buffer {
  return contextAad(`${WRAP_LABEL}\n${keyId}`, context);
}

function wrapUnder(ring: KeyRing, keyId: string, plaintext: Uint8Array, context: EncryptionContext): Uint8Array {
  const master = ring.keys.get(keyId) as Buffer;
  return Buffer.concat([Buffer.of(WRAP_FORMAT), aesGcmSeal(master, plaintext, wrapAad(keyId, context))]);
}

function unwrapWith(ring: KeyRing, wrapped: Uint8Array, keyId: string, context: EncryptionContext, path: string): Uint8Array {
  const master = ring.keys.get(keyId) as Buffer;
  if (wrapped[0] !== WRAP_FORMAT) {
    throw new KeyProviderError(`Data key wrapped under local key ${keyId} has unknown wrap format ${wrapped[0] ?? '(empty)'}.`, 'unwrap', keyId);
  }
  let plaintext: Buffer;
  try {
    plaintext = aesGcmOpen(master, wrapped.subarray(1), wrapAad(keyId, context));
  } catch (error) {
    throw new KeyProviderError(
      `Unwrapping a data key under local key ${keyId} (${path}) failed authentication. Check that the encryption context ` +
        `${describeContext(context)} is the one it was wrapped with (data from another namespace?) and that the wrapped key is intact.`,
      'unwrap',
      keyId,
      { cause: error },
    );
  }
  if (plaintext.length !== KEY_BYTES) {
    plaintext.fill(0);
    throw new KeyProviderError(`Data key wrapped under local key ${keyId} is ${plaintext.length} bytes, not ${KEY_BYTES}.`, 'unwrap', keyId);
  }
  const key = new Uint8Array(plaintext);
  plaintext.fill(0);
  return key;
}

function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === code;
}
