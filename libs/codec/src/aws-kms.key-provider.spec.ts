import { DecryptCommand, DescribeKeyCommand, GenerateDataKeyCommand, KMSClient, KMSServiceException, ReEncryptCommand } from '@aws-sdk/client-kms';
import { randomBytes } from 'node:crypto';
import { AwsKmsKeyProvider } from './aws-kms.key-provider';
import type { EncryptionContext } from './encryption-context';
import { KeyNotAllowedError, KeyProviderError } from './errors';

const context: EncryptionContext = { namespace: 'default', purpose: 'temporal-payload' };
const arn = (id: string) => `arn:aws:kms:us-east-1:123456789012:key/${id}`;
const KEY_A = '11111111-1111-4111-8111-111111111111';
const KEY_B = '22222222-2222-4222-8222-222222222222';

/** A message-less error like the ones moto answers with. */
function emulatorError(name: string): KMSServiceException {
  return new KMSServiceException({ name, $fault: 'client', message: 'UnknownError', $metadata: { httpStatusCode: 400 } });
}

/** A KMS client whose `send` is a tiny in-memory KMS: ciphertext → key and context. */
function fakeKms(aliases: Record<string, string>) {
  const blobs = new Map<string, { key: string; plaintext: Uint8Array; context: string }>();
  const resolve = (ref: string) => (aliases[ref] ? arn(aliases[ref]) : ref.startsWith('arn:') ? ref : arn(ref));
  const client = new KMSClient({ region: 'us-east-1' });
  const send = jest.spyOn(client, 'send').mockImplementation((async (command: unknown) => {
    if (command instanceof GenerateDataKeyCommand) {
      const plaintext = new Uint8Array(randomBytes(32));
      const blob = randomBytes(40);
      const key = resolve(command.input.KeyId ?? '');
      blobs.set(blob.toString('hex'), { key, plaintext: plaintext.slice(), context: JSON.stringify(command.input.EncryptionContext) });
      return { KeyId: key, Plaintext: plaintext, CiphertextBlob: blob };
    }
    if (command instanceof DecryptCommand) {
      const entry = blobs.get(Buffer.from(command.input.CiphertextBlob ?? []).toString('hex'));
      if (!entry || entry.context !== JSON.stringify(command.input.EncryptionContext)) throw emulatorError('InvalidCiphertextException');
      if (resolve(command.input.KeyId ?? '') !== entry.key) throw emulatorError('IncorrectKeyException');
      return { KeyId: entry.key, Plaintext: entry.plaintext.slice() };
    }
    if (command instanceof DescribeKeyCommand) {
      const id = aliases[command.input.KeyId ?? ''];
      if (!id) throw emulatorError('NotFoundException');
      return { KeyMetadata: { KeyId: id, Arn: arn(id) } };
    }
    if (command instanceof ReEncryptCommand) {
      const entry = blobs.get(Buffer.from(command.input.CiphertextBlob ?? []).toString('hex'));
      if (!entry) throw emulatorError('InvalidCiphertextException');
      const blob = randomBytes(40);
      const key = resolve(command.input.DestinationKeyId ?? '');
      blobs.set(blob.toString('hex'), { ...entry, key });
      return { KeyId: key, CiphertextBlob: blob, SourceKeyId: entry.key };
    }
    throw new Error(`unexpected command ${String(command)}`);
  }) as never);
  const sent = (type: abstract new (...args: never[]) => unknown) => send.mock.calls.filter(([command]) => command instanceof type).length;
  return { client, aliases, sent };
}

describe('AwsKmsKeyProvider (against a stubbed client)', () => {
  it('generates AES-256 data keys under the configured key with the encryption context', async () => {
    const kms = fakeKms({ 'alias/enrich': KEY_A });
    const provider = new AwsKmsKeyProvider({ keyId: 'alias/enrich', client: kms.client });
    const key = await provider.generateDataKey(context);
    expect(key.keyId).toBe(arn(KEY_A));
    expect(key.plaintext).toHaveLength(32);
    expect(Buffer.from(await provider.unwrap(key.wrapped, key.keyId, context)).equals(Buffer.from(key.plaintext))).toBe(true);
    const send = kms.client.send as jest.Mock;
    const generate = send.mock.calls[0][0] as GenerateDataKeyCommand;
    expect(generate.input).toEqual({ KeyId: 'alias/enrich', KeySpec: 'AES_256', EncryptionContext: { namespace: 'default', purpose: 'temporal-payload' } });
  });

  it('refuses a key that is not on the allowlist before calling Decrypt', async () => {
    const kms = fakeKms({ 'alias/enrich': KEY_A });
    const provider = new AwsKmsKeyProvider({ keyId: 'alias/enrich', decryptKeyIds: ['alias/enrich'], client: kms.client });
    const error = await provider.unwrap(randomBytes(40), arn(KEY_B), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyNotAllowedError);
    expect((error as Error).message).toBe(
      `Key ${arn(KEY_B)} is not on the decrypt allowlist (alias/enrich), so data wrapped under it is not decrypted. ` +
        'If this key is a previous key whose data must stay readable, add it to KMS_DECRYPT_KEY_IDS.',
    );
    expect(kms.sent(DecryptCommand)).toBe(0);
  });

  it('matches allowlist entries given as key ARN, key id or alias', async () => {
    const kms = fakeKms({ 'alias/enrich': KEY_A });
    for (const entry of [arn(KEY_A), KEY_A, 'alias/enrich']) {
      await expect(new AwsKmsKeyProvider({ keyId: 'alias/enrich', decryptKeyIds: [entry], client: kms.client }).isAllowed(arn(KEY_A))).resolves.toBe(true);
      await expect(new AwsKmsKeyProvider({ keyId: 'alias/enrich', decryptKeyIds: [entry], client: kms.client }).isAllowed(arn(KEY_B))).resolves.toBe(false);
    }
  });

  it('follows an allowlisted alias that moved to a new key', async () => {
    const kms = fakeKms({ 'alias/enrich': KEY_A });
    let clock = 0;
    const provider = new AwsKmsKeyProvider({ keyId: 'alias/enrich', client: kms.client, now: () => clock });
    expect(await provider.isAllowed(arn(KEY_A))).toBe(true);
    kms.aliases['alias/enrich'] = KEY_B;
    // A miss re-checks aliases, but not more than once a second.
    expect(await provider.isAllowed(arn(KEY_B))).toBe(false);
    clock += 1_000;
    expect(await provider.isAllowed(arn(KEY_B))).toBe(true);
    expect(await provider.isAllowed(arn(KEY_A))).toBe(false);
    expect(kms.sent(DescribeKeyCommand)).toBe(2);
  });

  it('resolves the allowlist once for concurrent checks', async () => {
    const kms = fakeKms({ 'alias/enrich': KEY_A, 'alias/old': KEY_B });
    const provider = new AwsKmsKeyProvider({ keyId: 'alias/enrich', decryptKeyIds: ['alias/enrich', 'alias/old', 'alias/deleted'], client: kms.client });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => provider.isAllowed(arn(i % 2 ? KEY_A : KEY_B))));
    expect(results.every(Boolean)).toBe(true);
    expect(kms.sent(DescribeKeyCommand)).toBe(3);
  });

  it('wraps message-less KMS errors with the operation, the key and what to check', async () => {
    const kms = fakeKms({ 'alias/enrich': KEY_A });
    const provider = new AwsKmsKeyProvider({ keyId: 'alias/enrich', client: kms.client });
    const key = await provider.generateDataKey(context);
    const error = await provider.unwrap(key.wrapped, key.keyId, { namespace: 'other', purpose: 'temporal-payload' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyProviderError);
    expect(error).toMatchObject({ operation: 'unwrap', keyId: arn(KEY_A) });
    expect((error as KeyProviderError).cause).toBeInstanceOf(KMSServiceException);
    expect((error as Error).message).toBe(
      `KMS Decrypt on key ${arn(KEY_A)} failed (InvalidCiphertextException, HTTP 400). Check that the wrapped key is intact and was encrypted with ` +
        'the encryption context {namespace: "other", purpose: temporal-payload} (data from another namespace or purpose does not decrypt).',
    );

    (kms.client.send as jest.Mock).mockRejectedValueOnce(emulatorError('DisabledException'));
    await expect(provider.unwrap(key.wrapped, key.keyId, context)).rejects.toThrow(
      /failed \(DisabledException, HTTP 400\)\. Check that the key is enabled: data written under it needs it for as long as Temporal retains history/,
    );

    const missing = new AwsKmsKeyProvider({ keyId: 'alias/missing', client: kms.client });
    (kms.client.send as jest.Mock).mockRejectedValueOnce(emulatorError('NotFoundException'));
    await expect(missing.generateDataKey(context)).rejects.toThrow(
      /^KMS GenerateDataKey on key alias\/missing failed \(NotFoundException, HTTP 400\)\. Check that the key or alias exists in this account and region/,
    );
  });

  it('rewraps under the configured key by default, refusing keys off the allowlist', async () => {
    const kms = fakeKms({ 'alias/enrich': KEY_A, 'alias/next': KEY_B });
    const provider = new AwsKmsKeyProvider({ keyId: 'alias/enrich', decryptKeyIds: ['alias/enrich', 'alias/next'], client: kms.client });
    const key = await provider.generateDataKey(context);
    const moved = await provider.rewrap(key.wrapped, key.keyId, context, 'alias/next');
    expect(moved.keyId).toBe(arn(KEY_B));
    expect(Buffer.from(await provider.unwrap(moved.wrapped, moved.keyId, context)).equals(Buffer.from(key.plaintext))).toBe(true);
    const narrow = new AwsKmsKeyProvider({ keyId: 'alias/next', client: kms.client });
    await expect(narrow.rewrap(key.wrapped, key.keyId, context)).rejects.toBeInstanceOf(KeyNotAllowedError);
  });
});
