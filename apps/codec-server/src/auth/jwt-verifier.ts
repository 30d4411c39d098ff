import { constants, createPublicKey, verify, type KeyObject, type JsonWebKey } from 'node:crypto';

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

/** The key set could not be fetched and none is cached: the token cannot be checked right now. */
export class JwksUnavailableError extends Error {
  override readonly name = 'JwksUnavailableError';
}

/** Claims of a verified token. */
export type JwtClaims = Readonly<Record<string, unknown>>;

interface Algorithm {
  kty: 'RSA' | 'EC' | 'OKP';
  verify(data: Buffer, key: KeyObject, signature: Buffer): boolean;
  /** Curves a key must be on (EC, OKP). */
  curves?: readonly string[];
}

const rsa = (hash: string): Algorithm => ({ kty: 'RSA', verify: (data, key, sig) => verify(hash, data, key, sig) });
const pss = (hash: string): Algorithm => ({
  kty: 'RSA',
  verify: (data, key, sig) => verify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, sig),
});
const ecdsa = (hash: string, curve: string): Algorithm => ({
  kty: 'EC',
  curves: [curve],
  verify: (data, key, sig) => verify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig),
});

// Asymmetric algorithms only: `none` and HMAC (a JWKS publishes no shared secrets) are refused.
const ALGORITHMS: Readonly<Record<string, Algorithm>> = {
  RS256: rsa('sha256'),
  RS384: rsa('sha384'),
  RS512: rsa('sha512'),
  PS256: pss('sha256'),
  PS384: pss('sha384'),
  PS512: pss('sha512'),
  ES256: ecdsa('sha256', 'P-256'),
  ES384: ecdsa('sha384', 'P-384'),
  ES512: ecdsa('sha512', 'P-521'),
  EdDSA: { kty: 'OKP', curves: ['Ed25519', 'Ed448'], verify: (data, key, sig) => verify(null, data, key, sig) },
};

const MIN_RSA_BITS = 2048;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

interface Jwk extends JsonWebKey {
  kid?: string;
  use?: string;
  alg?: string;
}

interface KeySet {
  keys: { jwk: Jwk; key: KeyObject | undefined }[];
  fetchedAt: number;
}

/**
 * Verifies bearer JWTs against a remote JWKS, the way `jose`'s `createRemoteJWKSet` + `jwtVerify`
 * do: asymmetric algorithms only, key chosen by `kid`, key set cached and re-fetched on an unknown
 * `kid` (with a cooldown), `exp` required, `nbf`, `iss` and `aud` checked.
 *
 * Written on `node:crypto` because `jose` is not installed in this workspace; the class is the
 * only user, so swapping in `jose` later changes this file alone.
 */
export class JwtVerifier {
  private readonly tolerance: number;
  private readonly cacheMaxAgeMs: number;
  private readonly cooldownMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private keySet: KeySet | undefined;
  private inFlight: Promise<KeySet> | undefined;
  private lastFetchAttempt = -Infinity;

  constructor(private readonly options: JwtVerifierOptions) {
    this.tolerance = options.clockToleranceSeconds ?? 30;
    this.cacheMaxAgeMs = options.cacheMaxAgeMs ?? 10 * 60_000;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.now = options.now ?? (() => Date.now() / 1000);
  }

  /**
   * The token's claims once its signature and claims check out.
   *
   * @throws {@link InvalidTokenError} when it does not; {@link JwksUnavailableError} when no key set can be had.
   */
  async verify(token: string): Promise<JwtClaims> {
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) throw new InvalidTokenError('not a compact JWS (header.payload.signature)');
    const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
    const header = parseJsonObject(encodedHeader, 'header');
    const alg = header['alg'];
    const algorithm = typeof alg === 'string' && Object.hasOwn(ALGORITHMS, alg) ? ALGORITHMS[alg] : undefined;
    if (!algorithm || typeof alg !== 'string') throw new InvalidTokenError(`algorithm ${JSON.stringify(alg)} is not accepted`);
    if (header['crit'] !== undefined) throw new InvalidTokenError('critical header parameters are not supported');
    const kid = typeof header['kid'] === 'string' ? header['kid'] : undefined;

    const key = await this.keyFor(alg, algorithm, kid);
    const signed = Buffer.from(`${encodedHeader}.${encodedPayload}`, 'ascii');
    let valid: boolean;
    try {
      valid = algorithm.verify(signed, key, Buffer.from(encodedSignature, 'base64url'));
    } catch {
      valid = false;
    }
    if (!valid) throw new InvalidTokenError('signature verification failed');

    const claims = parseJsonObject(encodedPayload, 'payload');
    this.checkClaims(claims);
    return claims;
  }

  private checkClaims(claims: JwtClaims): void {
    const now = this.now();
    const exp = claims['exp'];
    if (typeof exp !== 'number') throw new InvalidTokenError('token has no exp claim');
    if (now - this.tolerance >= exp) throw new InvalidTokenError('token expired');
    const nbf = claims['nbf'];
    if (nbf !== undefined && (typeof nbf !== 'number' || now + this.tolerance < nbf)) throw new InvalidTokenError('token not yet valid (nbf)');
    if (claims['iss'] !== this.options.issuer) throw new InvalidTokenError('unexpected issuer');
    const aud = claims['aud'];
    const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
    if (!audiences.some((value) => typeof value === 'string' && this.options.audience.includes(value))) throw new InvalidTokenError('unexpected audience');
  }

  private async keyFor(alg: string, algorithm: Algorithm, kid: string | undefined): Promise<KeyObject> {
    let keySet = await this.currentKeySet();
    let candidates = matching(keySet, alg, algorithm, kid);
    if (candidates.length === 0 && Date.now() - this.lastFetchAttempt >= this.cooldownMs) {
      // Keys rotate: an unknown kid may be a new key, so look once more (not more often than the cooldown).
      keySet = await this.refresh();
      candidates = matching(keySet, alg, algorithm, kid);
    }
    if (candidates.length === 0) throw new InvalidTokenError(kid ? `no key ${JSON.stringify(kid)} for ${alg} in the key set` : `no key for ${alg} in the key set`);
    if (candidates.length > 1) throw new InvalidTokenError('several keys match and the token names no kid');
    const key = (candidates[0] as KeySet['keys'][number]).key;
    if (!key) throw new InvalidTokenError('the matching key in the key set is not usable');
    return key;
  }

  private async currentKeySet(): Promise<KeySet> {
    if (this.keySet && Date.now() - this.keySet.fetchedAt < this.cacheMaxAgeMs) return this.keySet;
    return this.refresh();
  }

  private refresh(): Promise<KeySet> {
    this.inFlight ??= this.fetchKeySet().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetchKeySet(): Promise<KeySet> {
    this.lastFetchAttempt = Date.now();
    try {
      const response = await fetch(this.options.jwksUrl, { signal: AbortSignal.timeout(this.timeoutMs), headers: { accept: 'application/json' } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = (await response.json()) as { keys?: unknown };
      if (!Array.isArray(body.keys)) throw new Error('the answer has no "keys" array');
      const keys = (body.keys as unknown[])
        .filter((jwk): jwk is Jwk => typeof jwk === 'object' && jwk !== null)
        .map((jwk) => ({ jwk, key: importKey(jwk) }));
      this.keySet = { keys, fetchedAt: Date.now() };
      return this.keySet;
    } catch (error) {
      // A stale key set beats none while the identity provider is unreachable.
      if (this.keySet) return this.keySet;
      throw new JwksUnavailableError(`cannot fetch the JWKS from ${this.options.jwksUrl}: ${(error as Error).message}`, { cause: error });
    }
  }
}

function matching(keySet: KeySet, alg: string, algorithm: Algorithm, kid: string | undefined): KeySet['keys'] {
  return keySet.keys.filter(
    ({ jwk }) =>
      (kid === undefined || jwk.kid === kid) &&
      jwk.kty === algorithm.kty &&
      (jwk.use === undefined || jwk.use === 'sig') &&
      (jwk.alg === undefined || jwk.alg === alg) &&
      (algorithm.curves === undefined || algorithm.curves.includes(String(jwk.crv))),
  );
}

/** The public key of a JWK, or undefined for keys this verifier will not use (private, symmetric, weak). */
function importKey(jwk: Jwk): KeyObject | undefined {
  if (jwk.kty === 'oct' || jwk.d !== undefined) return undefined;
  try {
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) return undefined;
    return key;
  } catch {
    return undefined;
  }
}

function parseJsonObject(encoded: string, part: string): JwtClaims {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidTokenError(`the ${part} is not base64url JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidTokenError(`the ${part} is not a JSON object`);
  return value as JwtClaims;
}
