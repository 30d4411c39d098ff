import { bool, checkCodecEnv, codecEnv, DEV_DEFAULTS, loadConfig, logLevel, port, positiveInt, toCodecConfig, type Env } from '@enrich/config';
import { z } from 'zod';

/** What a codec-server caller may see: `pii` opens sealed personal fields, `ops` sees them sealed. */
export type CodecRole = 'pii' | 'ops';

/** Roles a static token or a JWT claim may name. */
export const CODEC_ROLES = ['pii', 'ops'] as const satisfies readonly CodecRole[];

// A bearer token is a password: short ones can be guessed.
const MIN_TOKEN_LENGTH = 16;
const TOKEN_CHARS = /^[A-Za-z0-9._~+/=-]+$/;

/**
 * `token:role` pairs, comma separated. Issues name the entry by position, never the token itself:
 * config errors end up in logs.
 */
const authTokens = z.string().transform((list, ctx) => {
  const entries: { token: string; role: CodecRole }[] = [];
  const seen = new Set<string>();
  const parts = list
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  parts.forEach((part, index) => {
    const at = part.lastIndexOf(':');
    const token = at > 0 ? part.slice(0, at) : '';
    const role = at > 0 ? part.slice(at + 1).trim() : '';
    const which = `entry ${index + 1}`;
    if (!(CODEC_ROLES as readonly string[]).includes(role)) {
      ctx.addIssue({ code: 'custom', message: `${which} must be token:role with role ${CODEC_ROLES.join(' or ')}` });
    } else if (token.length < MIN_TOKEN_LENGTH || !TOKEN_CHARS.test(token)) {
      ctx.addIssue({ code: 'custom', message: `${which}: tokens must be at least ${MIN_TOKEN_LENGTH} characters of A-Z a-z 0-9 . _ ~ + / = -` });
    } else if (seen.has(token)) {
      ctx.addIssue({ code: 'custom', message: `${which} repeats an earlier token` });
    } else {
      seen.add(token);
      entries.push({ token, role: role as CodecRole });
    }
  });
  return entries;
});

const commaList = z.string().transform((list) =>
  list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== ''),
);

/** Browser origins: scheme, host and port only, the form the `Origin` header has. */
const origins = commaList.pipe(
  z
    .array(
      z.string().refine(
        (origin) => {
          try {
            const url = new URL(origin);
            return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === origin;
          } catch {
            return false;
          }
        },
        { error: 'each origin must be scheme://host[:port] with no path or trailing slash, e.g. http://127.0.0.1:8233' },
      ),
    )
    .min(1, 'must list at least one origin'),
);

/**
 * Variables of the codec server: the codec's ({@link codecEnv}), the HTTP listener, who may call
 * (static tokens and/or JWTs from a JWKS) and which browser origins may.
 */
export const codecServerEnvSchema = z
  .object({
    ...codecEnv,
    PORT: port(DEV_DEFAULTS.codecServerPort).describe('HTTP port of the codec server.'),
    HOST: z.string().default('127.0.0.1').describe('Address the codec server listens on.'),
    LOG_LEVEL: logLevel,
    CODEC_AUTH_TOKENS: authTokens.optional().describe('Static bearer tokens with their role, comma separated: token1:pii,token2:ops.'),
    CODEC_JWKS_URL: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL of a JWKS' })
      .optional()
      .describe("JWKS that signs caller JWTs, e.g. the identity provider's /.well-known/jwks.json."),
    CODEC_JWT_ISSUER: z.string().min(1).optional().describe('Required iss of JWTs (required with CODEC_JWKS_URL).'),
    CODEC_JWT_AUDIENCE: commaList
      .pipe(z.array(z.string()).min(1, 'must list at least one audience'))
      .optional()
      .describe('Accepted aud values of JWTs, comma separated (required with CODEC_JWKS_URL).'),
    CODEC_JWT_ROLE_CLAIM: z.string().min(1).default('enrich_role').describe('JWT claim holding the role (a string, or an array of strings): pii or ops.'),
    CODEC_AUTH_DISABLED: bool(false).describe('Development only: no authentication, every caller is ops (never pii).'),
    CODEC_CORS_ORIGINS: origins
      .default(['http://127.0.0.1:8233', 'http://localhost:8233'])
      .describe('Browser origins allowed to call (the Temporal Web UI), comma separated.'),
    CODEC_MAX_BODY_MB: positiveInt(4).describe('Largest accepted request body, in megabytes.'),
  })
  .superRefine(checkCodecEnv)
  .superRefine((env, ctx) => {
    const hasTokens = (env.CODEC_AUTH_TOKENS?.length ?? 0) > 0;
    const hasJwks = env.CODEC_JWKS_URL !== undefined;
    if (env.CODEC_AUTH_DISABLED) {
      if (hasTokens || hasJwks) {
        ctx.addIssue({ code: 'custom', path: ['CODEC_AUTH_DISABLED'], message: 'is true while CODEC_AUTH_TOKENS or CODEC_JWKS_URL is set: choose one' });
      }
      return;
    }
    if (!hasTokens && !hasJwks) {
      ctx.addIssue({
        code: 'custom',
        path: ['CODEC_AUTH_TOKENS'],
        message:
          'no authentication is configured: set CODEC_AUTH_TOKENS (token:role,...) and/or CODEC_JWKS_URL with CODEC_JWT_ISSUER and CODEC_JWT_AUDIENCE. ' +
          'The codec server decrypts data, so it never starts open; CODEC_AUTH_DISABLED=true is for local development only',
      });
    }
    if (hasJwks) {
      if (!env.CODEC_JWT_ISSUER) ctx.addIssue({ code: 'custom', path: ['CODEC_JWT_ISSUER'], message: 'required with CODEC_JWKS_URL' });
      if (!env.CODEC_JWT_AUDIENCE) ctx.addIssue({ code: 'custom', path: ['CODEC_JWT_AUDIENCE'], message: 'required with CODEC_JWKS_URL' });
    }
  })
  .transform((env) => ({
    http: { port: env.PORT, host: env.HOST },
    logLevel: env.LOG_LEVEL,
    codec: toCodecConfig(env),
    auth: {
      disabled: env.CODEC_AUTH_DISABLED,
      tokens: env.CODEC_AUTH_TOKENS ?? [],
      jwt:
        env.CODEC_JWKS_URL && env.CODEC_JWT_ISSUER && env.CODEC_JWT_AUDIENCE
          ? { jwksUrl: env.CODEC_JWKS_URL, issuer: env.CODEC_JWT_ISSUER, audience: env.CODEC_JWT_AUDIENCE, roleClaim: env.CODEC_JWT_ROLE_CLAIM }
          : undefined,
    },
    cors: { origins: env.CODEC_CORS_ORIGINS },
    maxBodyBytes: env.CODEC_MAX_BODY_MB * 1024 * 1024,
  }));

/** The codec server's configuration, as {@link loadCodecServerConfig} returns it. */
export type CodecServerConfig = z.output<typeof codecServerEnvSchema>;

/** Parses the codec server's configuration. */
export function loadCodecServerConfig(env: Env = process.env): CodecServerConfig {
  return loadConfig(codecServerEnvSchema, env, 'codec-server');
}
