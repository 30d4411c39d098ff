import { DecryptCommand, DescribeKeyCommand, GenerateDataKeyCommand, KMSClient, type KMSClientConfig, ReEncryptCommand } from '@aws-sdk/client-kms';
import { KEY_BYTES } from './aes-gcm';
import { describeContext, type EncryptionContext, toKmsEncryptionContext } from './encryption-context';
import { KeyNotAllowedError, type KeyOperation, KeyProviderError } from './errors';
import type { GeneratedDataKey, KeyProvider, WrappedDataKey } from './key-provider';

/** Options of {@link AwsKmsKeyProvider}. */
export interface AwsKmsKeyProviderOptions {
  /**
   * The KMS key new data keys are generated under: best an alias (`alias/enrich-payloads`), so
   * rotation to a new key is moving the alias. A key ARN or key id works too.
   */
  keyId: string;
  /**
   * Keys data keys may be unwrapped under (aliases, key ARNs or key ids); anything else is
   * refused with {@link KeyNotAllowedError} before KMS is called. Default: `[keyId]`. Keep a
   * previous key here for as long as Temporal retains history written under it.
   */
  decryptKeyIds?: readonly string[];
  /** A KMS client, or the config to create one with (`endpoint`, `region`, `credentials`, …). */
  client?: KMSClient | KMSClientConfig;
  /**
   * How long aliases on the decrypt allowlist are trusted to point where they pointed, in ms
   * (default 60 s). A key id that is not allowed triggers an earlier re-check (at most once a second).
   */
  aliasRefreshMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

type KmsOperation = 'GenerateDataKey' | 'Decrypt' | 'ReEncrypt' | 'DescribeKey';

interface Allowlist {
  /** Key ARNs and bare key ids that may be used. */
  ids: Set<string>;
  resolvedAt: number;
}

const MISS_REFRESH_MS = 1_000;
const KEY_ARN = /^arn:aws[a-z-]*:kms:[^:]*:[^:]*:key\/(.+)$/;

/**
 * Key provider over AWS KMS (or an emulator: set `endpoint`). Data keys come from
 * `GenerateDataKey` (AES_256) under the configured key, are unwrapped by `Decrypt` naming the
 * allowlisted key they were wrapped under, and move between keys with `ReEncrypt`; the encryption
 * context is passed to every call, so KMS refuses data keys from another namespace or purpose.
 *
 * Every KMS failure is rethrown as a {@link KeyProviderError} saying which operation on which key
 * failed and what to check (KMS emulators answer with message-less `UnknownError`s).
 */
export class AwsKmsKeyProvider implements KeyProvider {
  /** The key new data keys are generated under. */
  readonly keyId: string;
  /** The decrypt allowlist as configured. */
  readonly decryptKeyIds: readonly string[];
  private readonly client: KMSClient;
  private readonly ownsClient: boolean;
  private readonly aliasRefreshMs: number;
  private readonly now: () => number;
  private allowlist: Allowlist | undefined;
  private resolving: Promise<Allowlist> | undefined;

  constructor(options: AwsKmsKeyProviderOptions) {
    this.keyId = options.keyId;
    this.decryptKeyIds = [...(options.decryptKeyIds ?? [options.keyId])];
    this.ownsClient = !(options.client instanceof KMSClient);
    this.client = options.client instanceof KMSClient ? options.client : new KMSClient(options.client ?? {});
    this.aliasRefreshMs = options.aliasRefreshMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Generates an AES-256 data key under {@link keyId}; `keyId` of the result is the key's ARN. */
  async generateDataKey(context: EncryptionContext): Promise<GeneratedDataKey> {
    const response = await this.call('GenerateDataKey', 'generateDataKey', this.keyId, context, () =>
      this.client.send(new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: 'AES_256', EncryptionContext: toKmsEncryptionContext(context) })),
    );
    const { KeyId, Plaintext, CiphertextBlob } = response;
    if (!KeyId || !CiphertextBlob || Plaintext?.length !== KEY_BYTES) {
      Plaintext?.fill(0);
      throw new KeyProviderError(
        `KMS GenerateDataKey on key ${this.keyId} returned an incomplete answer (key id, ${KEY_BYTES}-byte plaintext and ciphertext expected).`,
        'generateDataKey',
        this.keyId,
      );
    }
    return { keyId: KeyId, plaintext: Plaintext, wrapped: CiphertextBlob };
  }

  /**
   * Unwraps with `Decrypt`, naming `keyId` so KMS refuses a ciphertext from any other key.
   *
   * @throws {@link KeyNotAllowedError} when `keyId` is not on the decrypt allowlist.
   */
  async unwrap(wrapped: Uint8Array, keyId: string, context: EncryptionContext): Promise<Uint8Array> {
    await this.assertAllowed(keyId, 'unwrap');
    const response = await this.call('Decrypt', 'unwrap', keyId, context, () =>
      this.client.send(new DecryptCommand({ CiphertextBlob: wrapped, KeyId: keyId, EncryptionContext: toKmsEncryptionContext(context) })),
    );
    if (response.Plaintext?.length !== KEY_BYTES) {
      response.Plaintext?.fill(0);
      throw new KeyProviderError(`KMS Decrypt on key ${keyId} did not return a ${KEY_BYTES}-byte data key.`, 'unwrap', keyId);
    }
    return response.Plaintext;
  }

  /**
   * Re-encrypts a wrapped data key under `targetKeyId` (default {@link keyId}) with `ReEncrypt`;
   * the data key never leaves KMS. The source key must be on the decrypt allowlist.
   */
  async rewrap(wrapped: Uint8Array, keyId: string, context: EncryptionContext, targetKeyId?: string): Promise<WrappedDataKey> {
    await this.assertAllowed(keyId, 'rewrap');
    const destination = targetKeyId ?? this.keyId;
    const kmsContext = toKmsEncryptionContext(context);
    const response = await this.call(
      'ReEncrypt',
      'rewrap',
      keyId,
      context,
      () =>
        this.client.send(
          new ReEncryptCommand({
            CiphertextBlob: wrapped,
            SourceKeyId: keyId,
            SourceEncryptionContext: kmsContext,
            DestinationKeyId: destination,
            DestinationEncryptionContext: kmsContext,
          }),
        ),
      `${keyId} to key ${destination}`,
    );
    if (!response.KeyId || !response.CiphertextBlob) {
      throw new KeyProviderError(`KMS ReEncrypt from key ${keyId} to ${destination} returned no key id or ciphertext.`, 'rewrap', keyId);
    }
    return { keyId: response.KeyId, wrapped: response.CiphertextBlob };
  }

  /** Whether data keys wrapped under `keyId` may be unwrapped (resolving aliases on the allowlist). */
  async isAllowed(keyId: string): Promise<boolean> {
    const fresh = this.allowlist && this.now() - this.allowlist.resolvedAt < this.aliasRefreshMs ? this.allowlist : await this.resolveAllowlist();
    if (matches(fresh, keyId)) return true;
    // Not allowed as of the last look: an alias on the list may have moved to this key since.
    if (this.now() - fresh.resolvedAt < MISS_REFRESH_MS || !this.decryptKeyIds.some(isAlias)) return false;
    return matches(await this.resolveAllowlist(), keyId);
  }

  /** DescribeKey of the current key: KMS answers and the key is enabled (no data key is made). */
  async check(): Promise<void> {
    const { KeyMetadata } = await this.client.send(new DescribeKeyCommand({ KeyId: this.keyId }));
    if (KeyMetadata?.KeyState !== 'Enabled') throw new Error(`KMS key ${this.keyId} is ${KeyMetadata?.KeyState ?? 'unknown'}, not Enabled`);
  }

  /** Destroys the KMS client if this provider created it. */
  destroy(): void {
    if (this.ownsClient) this.client.destroy();
  }

  private async assertAllowed(keyId: string, operation: KeyOperation): Promise<void> {
    if (!(await this.isAllowed(keyId))) throw new KeyNotAllowedError(keyId, this.decryptKeyIds, operation);
  }

  private resolveAllowlist(): Promise<Allowlist> {
    // Concurrent checks share one round of DescribeKey calls.
    this.resolving ??= this.describeAllowlist().finally(() => {
      this.resolving = undefined;
    });
    return this.resolving;
  }

  private async describeAllowlist(): Promise<Allowlist> {
    const resolvedAt = this.now();
    const ids = new Set<string>();
    await Promise.all(
      this.decryptKeyIds.map(async (entry) => {
        if (!isAlias(entry)) {
          ids.add(entry);
          return;
        }
        try {
          const { KeyMetadata } = await this.client.send(new DescribeKeyCommand({ KeyId: entry }));
          if (KeyMetadata?.Arn) ids.add(KeyMetadata.Arn);
        } catch (error) {
          // A deleted alias allows nothing; any other failure means we cannot tell, so say so.
          if ((error as Error).name === 'NotFoundException') return;
          throw kmsError('DescribeKey', 'resolveKey', entry, undefined, error);
        }
      }),
    );
    const allowlist = { ids, resolvedAt };
    this.allowlist = allowlist;
    return allowlist;
  }

  private async call<T>(
    operation: KmsOperation,
    keyOperation: KeyOperation,
    keyId: string,
    context: EncryptionContext,
    send: () => Promise<T>,
    keyLabel = keyId,
  ): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw kmsError(operation, keyOperation, keyId, context, error, keyLabel);
    }
  }
}

function isAlias(keyReference: string): boolean {
  return keyReference.startsWith('alias/') || /^arn:[^:]+:kms:[^:]*:[^:]*:alias\//.test(keyReference);
}

function matches(allowlist: Allowlist, keyId: string): boolean {
  if (allowlist.ids.has(keyId)) return true;
  const bare = KEY_ARN.exec(keyId)?.[1];
  return bare !== undefined && allowlist.ids.has(bare);
}

const HINTS: Readonly<Record<string, (operation: KmsOperation, context: string) => string>> = {
  NotFoundException: () => 'that the key or alias exists in this account and region (AWS_REGION, KMS_ENDPOINT)',
  DisabledException: () => 'that the key is enabled: data written under it needs it for as long as Temporal retains history',
  KMSInvalidStateException: () => 'that the key is enabled and not pending deletion: data written under it needs it for as long as Temporal retains history',
  AccessDeniedException: (operation) =>
    `that this identity may call kms:${operation} on the key (key policy / IAM), and that the ciphertext was wrapped under this key`,
  IncorrectKeyException: () => 'that the wrapped key was encrypted under this key (the key id in the payload metadata)',
  InvalidCiphertextException: (_operation, context) =>
    `that the wrapped key is intact and was encrypted with the encryption context ${context} (data from another namespace or purpose does not decrypt)`,
  InvalidKeyUsageException: () => 'that the key is a symmetric ENCRYPT_DECRYPT key',
  ThrottlingException: () => 'KMS request quotas (the data-key cache keeps calls rare; many processes starting at once can still hit them)',
  CredentialsProviderError: () => 'that AWS credentials are configured (environment, profile or role)',
};

function kmsError(
  operation: KmsOperation,
  keyOperation: KeyOperation,
  keyId: string,
  context: EncryptionContext | undefined,
  error: unknown,
  keyLabel = keyId,
): KeyProviderError {
  const name = error instanceof Error ? error.name : 'Error';
  // KMS emulators answer "UnknownError" for every error; the exception name is the useful part.
  const detail = error instanceof Error && error.message && error.message !== 'UnknownError' ? `: ${error.message}` : '';
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  const contextText = context ? describeContext(context) : '(none)';
  const hint =
    HINTS[name]?.(operation, contextText) ??
    `that the key exists and is enabled, that this identity may use it, that the encryption context ${contextText} matches, ` +
      'and that KMS_ENDPOINT / AWS_REGION point at the right KMS';
  return new KeyProviderError(
    `KMS ${operation} on key ${keyLabel} failed (${name}${detail}${status ? `, HTTP ${status}` : ''}). Check ${hint}.`,
    keyOperation,
    keyId,
    { cause: error },
  );
}
