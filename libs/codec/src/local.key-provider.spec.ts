import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EncryptionContext } from './encryption-context';
import { KeyProviderError, UnknownKeyError } from './errors';
import { type LocalKeyFile, LocalKeyProvider } from './local.key-provider';

const context: EncryptionContext = { namespace: 'default', purpose: 'temporal-payload' };

describe('LocalKeyProvider', () => {
  let dir: string;
  let keyFile: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'codec-local-'));
    keyFile = join(dir, 'nested', 'keys', 'master-keys.json');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('creates the key file on first use, mode 0600, with one versioned key', async () => {
    const provider = new LocalKeyProvider({ keyFile });
    const key = await provider.generateDataKey(context);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const file = JSON.parse(await readFile(keyFile, 'utf8')) as LocalKeyFile;
    expect(file.keys).toHaveLength(1);
    expect(file.keys[0].id).toMatch(/^local-[0-9a-f]{8}$/);
    expect(Buffer.from(file.keys[0].key, 'base64')).toHaveLength(32);
    expect(file.current).toBe(file.keys[0].id);
    expect(key.keyId).toBe(file.current);
    expect(key.plaintext).toHaveLength(32);
  });

  it('passes its readiness check once the key file names a current key, and fails it on a broken file', async () => {
    await expect(new LocalKeyProvider({ keyFile }).check()).resolves.toBeUndefined();
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{not json');
    await expect(new LocalKeyProvider({ keyFile: broken }).check()).rejects.toThrow();
  });

  it('creates a single key when many first calls race, across instances too', async () => {
    const providers = [new LocalKeyProvider({ keyFile }), new LocalKeyProvider({ keyFile })];
    const keys = await Promise.all(Array.from({ length: 20 }, (_, i) => providers[i % 2].generateDataKey(context)));
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(1);
    expect(await providers[0].keyIds()).toHaveLength(1);
  });

  it('unwraps what it wrapped, only under the same encryption context', async () => {
    const provider = new LocalKeyProvider({ keyFile });
    const key = await provider.generateDataKey(context);
    expect(Buffer.from(await provider.unwrap(key.wrapped, key.keyId, context)).equals(Buffer.from(key.plaintext))).toBe(true);
    await expect(provider.unwrap(key.wrapped, key.keyId, { namespace: 'other', purpose: 'temporal-payload' })).rejects.toThrow(
      /failed authentication.*\{namespace: "other", purpose: temporal-payload\}/,
    );
    await expect(provider.unwrap(key.wrapped, key.keyId, { namespace: 'default', purpose: 'sealed-field' })).rejects.toBeInstanceOf(KeyProviderError);
  });

  it('refuses a tampered wrapped key', async () => {
    const provider = new LocalKeyProvider({ keyFile });
    const key = await provider.generateDataKey(context);
    const tampered = Buffer.from(key.wrapped);
    tampered[20] ^= 0x01;
    await expect(provider.unwrap(tampered, key.keyId, context)).rejects.toThrow(/could not|failed authentication/);
  });

  it('names an unknown key id and the key file', async () => {
    const provider = new LocalKeyProvider({ keyFile });
    const key = await provider.generateDataKey(context);
    const error = await provider.unwrap(key.wrapped, 'local-00000000', context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownKeyError);
    expect((error as Error).message).toContain('local-00000000');
    expect((error as Error).message).toContain(keyFile);
  });

  it('says so when the key file is missing on unwrap, without creating one', async () => {
    const provider = new LocalKeyProvider({ keyFile });
    await expect(provider.unwrap(new Uint8Array(61), 'local-00000000', context)).rejects.toThrow(/does not exist.*CODEC_LOCAL_KEY_FILE/);
    await expect(stat(keyFile)).rejects.toThrow();
  });

  it('rotates: new data keys use the new key, old ones still unwrap and can be rewrapped', async () => {
    const provider = new LocalKeyProvider({ keyFile });
    const old = await provider.generateDataKey(context);
    const rotatedTo = await provider.rotate();
    expect(rotatedTo).not.toBe(old.keyId);
    expect(await provider.currentKeyId()).toBe(rotatedTo);
    expect(await provider.keyIds()).toEqual([old.keyId, rotatedTo]);
    const fresh = await provider.generateDataKey(context);
    expect(fresh.keyId).toBe(rotatedTo);
    expect(Buffer.from(await provider.unwrap(old.wrapped, old.keyId, context)).equals(Buffer.from(old.plaintext))).toBe(true);

    const moved = await provider.rewrap(old.wrapped, old.keyId, context);
    expect(moved.keyId).toBe(rotatedTo);
    expect(Buffer.from(await provider.unwrap(moved.wrapped, moved.keyId, context)).equals(Buffer.from(old.plaintext))).toBe(true);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
  });

  it('picks up a rotation made by another process', async () => {
    const writer = new LocalKeyProvider({ keyFile });
    const reader = new LocalKeyProvider({ keyFile });
    await reader.generateDataKey(context);
    await writer.rotate();
    const key = await writer.generateDataKey(context);
    expect(Buffer.from(await reader.unwrap(key.wrapped, key.keyId, context)).equals(Buffer.from(key.plaintext))).toBe(true);
  });

  it('refuses a key file readable by others', async () => {
    await new LocalKeyProvider({ keyFile }).currentKeyId();
    await chmod(keyFile, 0o644);
    await expect(new LocalKeyProvider({ keyFile }).currentKeyId()).rejects.toThrow(/readable by group or others \(mode 644\); run: chmod 600/);
  });

  it('explains an invalid key file', async () => {
    await new LocalKeyProvider({ keyFile }).currentKeyId();
    await writeFile(keyFile, JSON.stringify({ keys: [{ id: 'local-zz', key: 'AAAA' }], current: 'local-zz' }), { mode: 0o600 });
    await expect(new LocalKeyProvider({ keyFile }).currentKeyId()).rejects.toThrow(/is invalid: key id "local-zz"/);
    await writeFile(keyFile, '{not json', { mode: 0o600 });
    await expect(new LocalKeyProvider({ keyFile }).currentKeyId()).rejects.toThrow(/not valid JSON/);
  });
});
