import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { HttpError, forbidden, unauthorized } from '../http-error';
import { InvalidTokenError, JwksUnavailableError, type JwtClaims, type JwtVerifier } from './jwt-verifier';

/**
 * Recognises one kind of bearer credential. Answers undefined when the token is not of its kind (so
 * the next verifier is asked), the caller when it is valid, and throws an {@link HttpError} when it
 * is of its kind but refused (401), lacks what the app needs (403) or cannot be checked now (503).
 */
export interface CredentialVerifier<C> {
  verify(token: string): Promise<C | undefined>;
}

/** Options of {@link BearerAuthenticator}. */
export interface BearerAuthenticatorOptions<C> {
  /** The `realm` of the `WWW-Authenticate: Bearer` challenge on a 401. */
  realm: string;
  /** Asked in order; the first that recognises the token decides. */
  verifiers: ReadonlyArray<CredentialVerifier<C>>;
  /** Development only: every request is this caller, whatever it sends. */
  disabledAs?: C;
}

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

/**
 * Turns an `Authorization: Bearer …` header into the app's caller through its
 * {@link CredentialVerifier}s (API keys, static tokens, JWTs from a JWKS). One implementation of the
 * header rules and the RFC 6750 challenge for every app that takes credentials.
 */
export class BearerAuthenticator<C> {
  constructor(private readonly options: BearerAuthenticatorOptions<C>) {
    if (options.disabledAs === undefined && options.verifiers.length === 0) {
      // A config schema refuses this too; a hand-built authenticator must not open the app either.
      throw new Error(`${options.realm}: no credential verifier configured, and authentication is not disabled`);
    }
  }

  /** @throws {@link HttpError} 401 (no or bad credentials), 403 (not enough rights), 503 (credentials cannot be checked now). */
  async authenticate(authorization: string | undefined): Promise<C> {
    if (this.options.disabledAs !== undefined) return this.options.disabledAs;
    const realm = this.options.realm;
    if (!authorization) throw unauthorized('Authorization: Bearer <token> is required.', { realm });
    const token = BEARER.exec(authorization)?.[1];
    if (!token) throw unauthorized('The Authorization header must be "Bearer <token>".', { realm });
    for (const verifier of this.options.verifiers) {
      const caller = await verifier.verify(token);
      if (caller !== undefined) return caller;
    }
    throw unauthorized('The bearer token is not valid.', { realm });
  }
}

/** Fixed tokens (from config), compared by SHA-256 digest so a lookup takes the same time whatever the token. */
export class StaticTokenVerifier<C> implements CredentialVerifier<C> {
  private readonly callers: ReadonlyMap<string, C>;

  constructor(tokens: ReadonlyArray<{ token: string; caller: C }>) {
    this.callers = new Map(tokens.map(({ token, caller }) => [tokenDigest(token), caller]));
  }

  get size(): number {
    return this.callers.size;
  }

  async verify(token: string): Promise<C | undefined> {
    return this.callers.get(tokenDigest(token));
  }
}

/**
 * JWTs checked by a {@link JwtVerifier} (signature against the JWKS, issuer, audience, expiry);
 * `toCaller` maps the verified claims onto the app's caller and throws {@link forbidden} when they
 * grant nothing. Tokens that are not three dot-separated parts are left to other verifiers.
 */
export class JwtCredentialVerifier<C> implements CredentialVerifier<C> {
  constructor(
    private readonly jwt: JwtVerifier,
    private readonly toCaller: (claims: JwtClaims) => C | Promise<C>,
    private readonly realm: string,
  ) {}

  async verify(token: string): Promise<C | undefined> {
    if (token.split('.').length !== 3) return undefined;
    let claims: JwtClaims;
    try {
      claims = await this.jwt.verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw unauthorized(`The bearer JWT is not valid: ${error.message}.`, { realm: this.realm, cause: error });
      if (error instanceof JwksUnavailableError)
        throw new HttpError(503, 'auth_unavailable', 'The signing keys cannot be fetched right now; try again shortly.', {}, {}, { cause: error });
      throw error;
    }
    return await this.toCaller(claims);
  }
}

/** A claim holding one name, a space-separated list (OAuth's `scope`) or a list of names. */
export function claimValues(claim: unknown): string[] {
  if (typeof claim === 'string') return claim.split(' ').filter((value) => value.length > 0);
  return Array.isArray(claim) ? claim.filter((value): value is string => typeof value === 'string') : [];
}

export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64');
}

const callers = new WeakMap<Request, unknown>();

/** Middleware: authenticates the request (or fails it with 401/403/503) before anything reads its body. */
export function authenticate<C>(authenticator: BearerAuthenticator<C>, describe: (caller: C) => Record<string, unknown> = () => ({})): RequestHandler {
  return async (req, _res, next) => {
    const caller = await authenticator.authenticate(req.headers.authorization);
    callers.set(req, caller);
    // Every later log line of the request names the caller (never its secret).
    req.log = req.log.child({ caller: describe(caller) });
    next();
  };
}

/** The caller {@link authenticate} recognised; throws if the route was mounted without it. */
export function callerOf<C>(req: Request): C {
  if (!callers.has(req)) throw new Error('callerOf: the authenticate middleware did not run for this route');
  return callers.get(req) as C;
}

/** Middleware: 403 unless `allowed(caller)`; `need` names what is missing in the message. */
export function requireCaller<C>(allowed: (caller: C) => boolean, need: string): RequestHandler {
  return (req, _res, next) => {
    if (!allowed(callerOf<C>(req))) throw forbidden(`This credential lacks ${need}.`);
    next();
  };
}
