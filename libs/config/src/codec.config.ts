import type { CodecOptions, KeyProviderOptions } from '@enrich/codec';
import { z } from 'zod';
import { bool, positiveInt } from './fragments';
import { loadConfig, type Env } from './load-config';

/** Where the local key provider keeps its master keys when `CODEC_LOCAL_KEY_FILE` is unset. */
export const DEFAULT_LOCAL_KEY_FILE = '.stack/demo/keys/master-keys.json';

// Key id, key ARN, alias name or alias ARN: the forms KMS accepts as a KeyId.
const KMS_KEY_REFERENCE =
  /^(alias\/[A-Za-z0-9/_-]+|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const KMS_KEY_HINT = 'an alias (alias/name), a key or alias ARN (arn:aws:kms:…), or a key id';

const kmsKeyReference = z.string().trim().regex(KMS_KEY_REFERENCE, `must be ${KMS_KEY_HINT}`);

/**
 * Variables of the payload codec and field sealer. Spread it into an app's schema and refine with
 * {@link checkCodecEnv}; {@link toCodecConfig} turns the parsed values into a {@link CodecConfig}.
 */
export const codecEnv = {
  CODEC_ENCRYPTION: bool(true).describe('Encrypt new payloads; off still decrypts payloads that were encrypted before.'),
  CODEC_KEY_PROVIDER: z
    .enum(['local', 'aws-kms'], { error: 'must be local or aws-kms' })
    .default('local')
    .describe('Where master keys live: local (a key file) or aws-kms.'),
  CODEC_LOCAL_KEY_FILE: z.string().min(1).default(DEFAULT_LOCAL_KEY_FILE).describe('Master keys of the local provider; created (mode 0600) on first use.'),
  /** The KMS key new data is encrypted under (best an alias, so it can move to a new key). */
  KMS_KEY_ID: kmsKeyReference.optional().describe('KMS key new data is encrypted under (best an alias); required with CODEC_KEY_PROVIDER=aws-kms.'),
  KMS_DECRYPT_KEY_IDS: z
    .string()
    .transform((list) =>
      list
        .split(',')
        .map((id) => id.trim())
        .filter((id) => id !== ''),
    )
    .pipe(z.array(kmsKeyReference).min(1, 'must list at least one key'))
    .optional()
    .describe('KMS keys data may be decrypted under, comma separated; unset = KMS_KEY_ID.'),
  KMS_ENDPOINT: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:4566' })
    .transform((url) => url.replace(/\/+$/, ''))
    .optional()
    .describe("KMS endpoint override (the dev stack's emulator); unset = the region's AWS endpoint."),
  AWS_REGION: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as us-east-1')
    .default('us-east-1')
    .describe('AWS region of the KMS keys.'),
  CODEC_DATA_KEY_MAX_AGE_MS: positiveInt(5 * 60_000).describe('How long one generated data key encrypts new data, in milliseconds.'),
  CODEC_DATA_KEY_MAX_USES: positiveInt(100_000).describe('Payloads or fields one generated data key encrypts at most.'),
  CODEC_KEY_CACHE_TTL_MS: positiveInt(10 * 60_000).describe('How long an unwrapped (decryption) data key stays cached, in milliseconds.'),
  CODEC_KEY_CACHE_SIZE: positiveInt(1_000).describe('Unwrapped data keys cached at most (least recently used go first).'),
};

/** What {@link codecEnv} parses to, before {@link toCodecConfig}. */
export interface CodecEnv {
  CODEC_ENCRYPTION: boolean;
  CODEC_KEY_PROVIDER: 'local' | 'aws-kms';
  CODEC_LOCAL_KEY_FILE: string;
  KMS_KEY_ID?: string;
  KMS_DECRYPT_KEY_IDS?: string[];
  KMS_ENDPOINT?: string;
  AWS_REGION: string;
  CODEC_DATA_KEY_MAX_AGE_MS: number;
  CODEC_DATA_KEY_MAX_USES: number;
  CODEC_KEY_CACHE_TTL_MS: number;
  CODEC_KEY_CACHE_SIZE: number;
}

/**
 * Rules across codec variables, for `.superRefine(checkCodecEnv)` on any schema that spreads
 * {@link codecEnv}: the KMS provider needs `KMS_KEY_ID`.
 */
export function checkCodecEnv(env: Pick<CodecEnv, 'CODEC_KEY_PROVIDER' | 'KMS_KEY_ID'>, ctx: z.RefinementCtx): void {
  if (env.CODEC_KEY_PROVIDER === 'aws-kms' && !env.KMS_KEY_ID) {
    ctx.addIssue({
      code: 'custom',
      path: ['KMS_KEY_ID'],
      message: `required when CODEC_KEY_PROVIDER=aws-kms: ${KMS_KEY_HINT}`,
    });
  }
}

/** Where master keys live, as the codec takes it. */
export type KeyProviderConfig = KeyProviderOptions;

/** Settings of the payload codec and field sealer: exactly the codec's own options, which an app hands to its factories as they are. */
export type CodecConfig = CodecOptions;

/** Shapes parsed {@link codecEnv} values as a {@link CodecConfig}. */
export function toCodecConfig(env: CodecEnv): CodecConfig {
  const keyProvider: KeyProviderConfig =
    env.CODEC_KEY_PROVIDER === 'aws-kms'
      ? {
          kind: 'aws-kms',
          // checkCodecEnv guarantees it; the fallback only keeps the type honest.
          keyId: env.KMS_KEY_ID ?? '',
          decryptKeyIds: env.KMS_DECRYPT_KEY_IDS ?? (env.KMS_KEY_ID ? [env.KMS_KEY_ID] : []),
          ...(env.KMS_ENDPOINT ? { endpoint: env.KMS_ENDPOINT } : {}),
          region: env.AWS_REGION,
        }
      : { kind: 'local', keyFile: env.CODEC_LOCAL_KEY_FILE };
  return {
    encryption: env.CODEC_ENCRYPTION,
    keyProvider,
    dataKeys: { maxAgeMs: env.CODEC_DATA_KEY_MAX_AGE_MS, maxUses: env.CODEC_DATA_KEY_MAX_USES },
    keyCache: { ttlMs: env.CODEC_KEY_CACHE_TTL_MS, maxEntries: env.CODEC_KEY_CACHE_SIZE },
  };
}

/** The codec's variables alone, e.g. for the codec server or a key-rotation tool. */
export const codecEnvSchema = z.object(codecEnv).superRefine(checkCodecEnv).transform(toCodecConfig);

/** Parses the codec's configuration. */
export function loadCodecConfig(env: Env = process.env, service = 'payload codec'): CodecConfig {
  return loadConfig(codecEnvSchema, env, service);
}
