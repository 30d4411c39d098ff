import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';

/** Options of {@link JwtVerifier}. */
export interface JwtVerifierOptions {
  /** Where the signing keys are published. */
  jwksUrl: string;
  /** Required `iss`. */
  issuer: string;
  /** Accepted `aud` values: the token must name at least one. */
  audience: readonly string[];
  /** Leeway for `exp` and `nbf` against clock skew (default 30 s). */
  clockToleranceSeconds?: number;
  /** How long a fetched key set is used before it is fetched again (default 10 min). */
  cacheMaxAgeMs?: number;
  /** Least time between two fetches caused by an unknown `kid` (default 30 s): a token cannot make us hammer the IdP. */
  cooldownMs?: number;
  /** Timeout of one JWKS fetch (default 5 s). */
  timeoutMs?: number;
  /** Seconds since the epoch (tests). */
  now?: () => number;
}

/** The token is not a valid JWT for this server: malformed, badly signed, expired, wrong issuer or audience. */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

/** The key set could not be fetched: the token cannot be checked right now. */
export class JwksUnavailableError extends Error {
  override readonly name = 'JwksUnavailableError';
}

/** Claims of a verified token. */
export type JwtClaims = Readonly<Record<string, unknown>>;

// Asymmetric algorithms only: `none` and HMAC (a JWKS publishes no shared secrets) are refused.
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * Verifies bearer JWTs against a JWKS with `jose`: signature with an asymmetric algorithm, `exp`
 * required, `nbf`, issuer and audience checked. The key set is cached and fetched again for an
 * unknown `kid`, at most once per cooldown.
 */
export class JwtVerifier {
  private readonly keys: JWTVerifyGetKey;

  constructor(private readonly options: JwtVerifierOptions) {
    this.keys = createRemoteJWKSet(new URL(options.jwksUrl), {
      cacheMaxAge: options.cacheMaxAgeMs ?? 10 * 60_000,
      cooldownDuration: options.cooldownMs ?? 30_000,
      timeoutDuration: options.timeoutMs ?? 5_000,
    });
  }

  async verify(token: string): Promise<JwtClaims> {
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: this.options.issuer,
        audience: [...this.options.audience],
        algorithms: ALGORITHMS,
        requiredClaims: ['exp'],
        clockTolerance: this.options.clockToleranceSeconds ?? 30,
        ...(this.options.now ? { currentDate: new Date(this.options.now() * 1_000) } : {}),
      });
      return payload;
    } catch (error) {
      if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError)) {
        // A network failure, a timeout or a malformed key set: the IdP, not the token, is at fault.
        throw new JwksUnavailableError(`cannot fetch the signing keys from ${this.options.jwksUrl}: ${(error as Error).message}`, { cause: error });
      }
      throw new InvalidTokenError(describe(error), { cause: error });
    }
  }
}

function describe(error: errors.JOSEError): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} is not acceptable (${error.reason})`;
  if (error instanceof errors.JWKSNoMatchingKey) return 'no published key matches the token';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is signed with an algorithm this server does not accept';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the signature does not verify';
  return error.message;
}
