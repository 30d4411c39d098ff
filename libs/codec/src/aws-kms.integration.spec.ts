import {
  CreateAliasCommand,
  CreateKeyCommand,
  DisableKeyCommand,
  EnableKeyRotationCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  type KMSClientConfig,
  RotateKeyOnDemandCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { AwsKmsKeyProvider } from './aws-kms.key-provider';
import { CountingKeyProvider } from './counting.key-provider';
import { DataKeyCache } from './data-key-cache';
import { EncryptionCodec, METADATA_KEY_ID } from './encryption-codec';
import type { EncryptionContext } from './encryption-context';
import { KeyNotAllowedError, KeyProviderError, PayloadDecodeError } from './errors';
import { FieldSealer } from './field-sealer';

const START_STACK =
  'Start the KMS emulator and export its address first: bash tools/stack/stack.sh up --profile test && eval "$(bash tools/stack/stack.sh env --profile test)"';

/**
 * The emulator's address, from the environment; without it this suite fails (it does not skip).
 * Read by hand: the codec, tests included, depends on no configuration library.
 */
function loadKmsTestEnv(): { KMS_ENDPOINT: string; AWS_REGION: string } {
  const endpoint = process.env.KMS_ENDPOINT;
  if (!endpoint) throw new Error(`KMS_ENDPOINT is not set: the KMS integration tests of @enrich/codec need it. ${START_STACK}`);
  if (!URL.canParse(endpoint)) throw new Error(`KMS_ENDPOINT must be a URL such as http://127.0.0.1:14566, not ${JSON.stringify(endpoint)}`);
  return { KMS_ENDPOINT: endpoint, AWS_REGION: process.env.AWS_REGION || 'us-east-1' };
}

const env = loadKmsTestEnv();
// The emulator accepts any credentials; explicit ones keep the SDK from searching for real ones.
const clientConfig: KMSClientConfig = { endpoint: env.KMS_ENDPOINT, region: env.AWS_REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
const admin = new KMSClient(clientConfig);
const context: EncryptionContext = { namespace: 'default', purpose: 'temporal-payload' };
const toPayload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const fromPayload = (payload: Payload): unknown => defaultPayloadConverter.fromPayload(payload);
const keyIdOf = (payload: Payload) => Buffer.from(payload.metadata?.[METADATA_KEY_ID] ?? []).toString('utf8');

/** A fresh KMS key per test: the emulator is shared with other suites, so nothing is reset. */
async function createKey(): Promise<{ id: string; arn: string }> {
  const { KeyMetadata } = await admin.send(new CreateKeyCommand({ Description: 'enrich codec integration test' }));
  if (!KeyMetadata?.KeyId || !KeyMetadata.Arn) throw new Error('CreateKey returned no key');
  return { id: KeyMetadata.KeyId, arn: KeyMetadata.Arn };
}

async function createAlias(targetKeyId: string): Promise<string> {
  const alias = `alias/enrich-codec-it-${randomUUID()}`;
  await admin.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: targetKeyId }));
  return alias;
}

const providers: AwsKmsKeyProvider[] = [];
function kmsProvider(keyId: string, decryptKeyIds?: string[]): AwsKmsKeyProvider {
  const provider = new AwsKmsKeyProvider({ keyId, decryptKeyIds, client: clientConfig });
  providers.push(provider);
  return provider;
}

async function decodeError(codec: EncryptionCodec, payloads: Payload[]): Promise<PayloadDecodeError> {
  const error = await codec.decode(payloads).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PayloadDecodeError);
  return error as PayloadDecodeError;
}

afterAll(() => {
  for (const provider of providers) provider.destroy();
  admin.destroy();
});

describe('AwsKmsKeyProvider against the KMS emulator', () => {
  it('generates AES-256 data keys under an alias, and encodes 1,000 payloads with one KMS call', async () => {
    const key = await createKey();
    const alias = await createAlias(key.id);
    const provider = new CountingKeyProvider(kmsProvider(alias));
    const dataKey = await provider.generateDataKey(context);
    expect(dataKey.keyId).toBe(key.arn);
    expect(dataKey.plaintext).toHaveLength(32);
    expect(Buffer.from(await provider.unwrap(dataKey.wrapped, dataKey.keyId, context)).equals(Buffer.from(dataKey.plaintext))).toBe(true);

    provider.reset();
    const codec = new EncryptionCodec({ keys: provider, namespace: 'default' });
    const encoded: Payload[] = [];
    for (let i = 0; i < 1_000; i++) encoded.push(...(await codec.encode([toPayload({ i })])));
    expect(fromPayload((await codec.decode(encoded.slice(-1)))[0])).toEqual({ i: 999 });
    expect(provider.calls).toEqual({ generateDataKey: 1, unwrap: 0, rewrap: 0 });

    const reader = new CountingKeyProvider(kmsProvider(alias));
    const decoded = await new EncryptionCodec({ keys: reader, namespace: 'default' }).decode(encoded);
    expect(decoded.map(fromPayload)).toEqual(Array.from({ length: 1_000 }, (_, i) => ({ i })));
    expect(reader.calls.unwrap).toBe(1);
  });

  it('answers a readiness check with DescribeKey only (no key used), and fails it once the key is disabled', async () => {
    const key = await createKey();
    const provider = new CountingKeyProvider(kmsProvider(await createAlias(key.id)));
    await expect(provider.check()).resolves.toBeUndefined();
    expect(provider.total).toBe(0);
    await admin.send(new DisableKeyCommand({ KeyId: key.id }));
    await expect(provider.check()).rejects.toThrow(/is Disabled, not Enabled/);
  });

  it('binds the encryption context: another namespace cannot unwrap', async () => {
    const key = await createKey();
    const provider = kmsProvider(key.arn);
    const dataKey = await provider.generateDataKey(context);
    const error = await provider.unwrap(dataKey.wrapped, dataKey.keyId, { namespace: 'other', purpose: 'temporal-payload' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyProviderError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^KMS Decrypt on key ${key.arn} failed \\(InvalidCiphertextException, HTTP 400\\)\\. Check .*\\{namespace: "other", purpose: temporal-payload\\}`,
      ),
    );
    await expect(provider.unwrap(dataKey.wrapped, dataKey.keyId, { namespace: 'default', purpose: 'sealed-field' })).rejects.toBeInstanceOf(KeyProviderError);

    const encoded = await new EncryptionCodec({ keys: provider, namespace: 'default' }).encode([toPayload('secret')]);
    const elsewhere = new EncryptionCodec({ keys: kmsProvider(key.arn), namespace: 'other' });
    expect((await decodeError(elsewhere, encoded)).message).toMatch(/InvalidCiphertextException/);
  });

  it('switches keys by moving the alias: old payloads decode while the old key is allowed, then fail clearly', async () => {
    const oldKey = await createKey();
    const newKey = await createKey();
    const alias = await createAlias(oldKey.id);

    // maxUses 1: every encode asks KMS for a data key, so the alias move shows at once.
    const running = new EncryptionCodec({ keys: new DataKeyCache(kmsProvider(alias, [alias]), { maxUses: 1 }), namespace: 'default' });
    const before = await running.encode([toPayload('before the switch')]);
    expect(keyIdOf(before[0])).toBe(oldKey.arn);

    await admin.send(new UpdateAliasCommand({ AliasName: alias, TargetKeyId: newKey.id }));
    const after = await running.encode([toPayload('after the switch')]);
    expect(keyIdOf(after[0])).toBe(newKey.arn);

    const transition = new EncryptionCodec({ keys: kmsProvider(alias, [alias, oldKey.arn]), namespace: 'default' });
    expect((await transition.decode([...before, ...after])).map(fromPayload)).toEqual(['before the switch', 'after the switch']);

    const retired = new EncryptionCodec({ keys: kmsProvider(alias, [alias]), namespace: 'default' });
    expect((await retired.decode(after)).map(fromPayload)).toEqual(['after the switch']);
    const error = await decodeError(retired, before);
    expect(error.cause).toBeInstanceOf(KeyNotAllowedError);
    expect(error.keyId).toBe(oldKey.arn);
    expect(error.message).toContain(`Key ${oldKey.arn} is not on the decrypt allowlist (${alias})`);
    expect(error.message).toContain('KMS_DECRYPT_KEY_IDS');
  });

  it('rewraps data keys and sealed values under the new key', async () => {
    const oldKey = await createKey();
    const newKey = await createKey();
    const provider = kmsProvider(oldKey.arn, [oldKey.arn, newKey.arn]);
    const dataKey = await provider.generateDataKey(context);
    const moved = await provider.rewrap(dataKey.wrapped, dataKey.keyId, context, newKey.arn);
    expect(moved.keyId).toBe(newKey.arn);
    expect(Buffer.from(moved.wrapped).equals(Buffer.from(dataKey.wrapped))).toBe(false);
    const newOnly = kmsProvider(newKey.arn);
    expect(Buffer.from(await newOnly.unwrap(moved.wrapped, moved.keyId, context)).equals(Buffer.from(dataKey.plaintext))).toBe(true);

    const sealer = new FieldSealer({ keys: provider, namespace: 'default' });
    const sealed = await sealer.seal('jane.doe@example.com');
    expect(sealed.kid).toBe(oldKey.arn);
    const rewrapped = await sealer.rewrapSealed(sealed, newKey.arn);
    expect(rewrapped.kid).toBe(newKey.arn);
    expect(await new FieldSealer({ keys: newOnly, namespace: 'default' }).open(rewrapped)).toBe('jane.doe@example.com');
    await expect(new FieldSealer({ keys: newOnly, namespace: 'default' }).open(sealed)).rejects.toThrow(/not on the decrypt allowlist/);
  });

  it('still decodes old payloads after automatic and on-demand key rotation', async () => {
    const key = await createKey();
    const alias = await createAlias(key.id);
    const before = await new EncryptionCodec({ keys: kmsProvider(alias), namespace: 'default' }).encode([toPayload('before rotation')]);

    await admin.send(new EnableKeyRotationCommand({ KeyId: key.id }));
    expect((await admin.send(new GetKeyRotationStatusCommand({ KeyId: key.id }))).KeyRotationEnabled).toBe(true);
    await admin.send(new RotateKeyOnDemandCommand({ KeyId: key.id }));

    const codec = new EncryptionCodec({ keys: kmsProvider(alias), namespace: 'default' });
    const after = await codec.encode([toPayload('after rotation')]);
    // Rotation changes key material, not the key: same ARN, nothing to allowlist.
    expect(keyIdOf(after[0])).toBe(key.arn);
    expect((await codec.decode([...before, ...after])).map(fromPayload)).toEqual(['before rotation', 'after rotation']);
  });

  it('explains a missing key, and refuses a payload whose key id was swapped for another allowed key', async () => {
    const missing = kmsProvider(`alias/enrich-codec-it-missing-${randomUUID()}`);
    await expect(missing.generateDataKey(context)).rejects.toThrow(
      /^KMS GenerateDataKey on key alias\/enrich-codec-it-missing-.* failed \(NotFoundException.*exists in this account and region/,
    );

    // moto lets a disabled key decrypt, so that case is covered by the stubbed-client spec only.
    const key = await createKey();
    const other = await createKey();
    const [encoded] = await new EncryptionCodec({ keys: kmsProvider(key.arn), namespace: 'default' }).encode([toPayload('x')]);
    const swapped = { metadata: { ...encoded.metadata, [METADATA_KEY_ID]: Buffer.from(other.arn) }, data: encoded.data };
    const error = await decodeError(new EncryptionCodec({ keys: kmsProvider(key.arn, [key.arn, other.arn]), namespace: 'default' }), [swapped]);
    expect(error.message).toMatch(new RegExp(`KMS Decrypt on key ${other.arn} failed \\((AccessDeniedException|IncorrectKeyException)`));
  });
});
