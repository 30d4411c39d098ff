import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { CODEC_ROLES, type CodecRole, type CodecServerConfig } from '@enrich/config';
import { HttpError, forbidden, unauthorized } from '@enrich/http';
import { InvalidTokenError, JwksUnavailableError, JwtVerifier } from './jwt-verifier';

/** Who is calling, as far as the codec server cares. */
export interface Caller {
  role: CodecRole;
  /** How the caller was recognised. */
  via: 'token' | 'jwt' | 'auth-disabled';
  /** `sub` of a JWT, for logs. */
  subject?: string;
}

/** The codec server's auth settings (`CodecServerConfig['auth']`). */
export type AuthConfig = CodecServerConfig['auth'];

/** The realm of the `WWW-Authenticate: Bearer` challenge on a 401. */
const REALM = 'codec-server';

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

/**
 * Turns an `Authorization` header into a {@link Caller}: static tokens (compared by SHA-256 digest,
 * so lookups take the same time whatever the token) and/or JWTs from a JWKS. With auth disabled
 * (development only) everyone is `ops`, never `pii`.
 */
export class Authenticator {
  private readonly tokens: ReadonlyMap<string, CodecRole>;
  private readonly jwt: { verifier: JwtVerifier; roleClaim: string } | undefined;

  constructor(private readonly config: AuthConfig) {
    this.tokens = new Map(config.tokens.map(({ token, role }) => [digest(token), role]));
    this.jwt = config.jwt ? { verifier: new JwtVerifier(config.jwt), roleClaim: config.jwt.roleClaim } : undefined;
    if (!config.disabled && this.tokens.size === 0 && !this.jwt) {
      // The config schema refuses this too; a hand-built config must not open the server either.
      throw new Error('codec-server auth: no static tokens and no JWKS configured, and auth is not disabled');
    }
  }

  /**
   * The caller the header identifies.
   *
   * @throws {@link HttpError} 401 (no or bad credentials), 403 (no codec role), 503 (the JWKS cannot be fetched).
   */
  async authenticate(authorization: string | undefined): Promise<Caller> {
    if (this.config.disabled) return { role: 'ops', via: 'auth-disabled' };
    if (!authorization) throw unauthorized('Authorization: Bearer <token> is required.', { realm: REALM });
    const token = BEARER.exec(authorization)?.[1];
    if (!token) throw unauthorized('The Authorization header must be "Bearer <token>".', { realm: REALM });
    const role = this.tokens.get(digest(token));
    if (role) return { role, via: 'token' };
    if (this.jwt && token.split('.').length === 3) return this.fromJwt(token, this.jwt);
    throw unauthorized('The bearer token is not valid.', { realm: REALM });
  }

  private async fromJwt(token: string, jwt: { verifier: JwtVerifier; roleClaim: string }): Promise<Caller> {
    let claims;
    try {
      claims = await jwt.verifier.verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw unauthorized(`The bearer JWT is not valid: ${error.message}.`, { realm: REALM, cause: error });
      if (error instanceof JwksUnavailableError)
        throw new HttpError(503, 'auth_unavailable', 'The signing keys cannot be fetched right now; try again shortly.', {}, {}, { cause: error });
      throw error;
    }
    const role = roleFrom(claims[jwt.roleClaim]);
    if (!role) throw forbidden(`The token carries no codec role: its ${jwt.roleClaim} claim must be ${CODEC_ROLES.join(' or ')}.`);
    const subject = typeof claims['sub'] === 'string' ? claims['sub'] : undefined;
    return { role, via: 'jwt', ...(subject ? { subject } : {}) };
  }
}

/** A role claim is a string or a list of strings; a list naming both roles gives the stronger one. */
function roleFrom(claim: unknown): CodecRole | undefined {
  const values = typeof claim === 'string' ? [claim] : Array.isArray(claim) ? claim : [];
  if (values.includes('pii')) return 'pii';
  if (values.includes('ops')) return 'ops';
  return undefined;
}

function digest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64');
}

const callers = new WeakMap<Request, Caller>();

/** Middleware: authenticates the request (or fails it with 401/403/503) before anything reads its body. */
export function authenticate(authenticator: Authenticator): RequestHandler {
  return async (req, _res, next) => {
    const caller = await authenticator.authenticate(req.headers.authorization);
    callers.set(req, caller);
    req.log.debug({ role: caller.role, via: caller.via, sub: caller.subject }, 'caller authenticated');
    next();
  };
}

/** The caller {@link authenticate} recognised; throws if the route was mounted without it. */
export function callerOf(req: Request): Caller {
  const caller = callers.get(req);
  if (!caller) throw new Error('callerOf: the authenticate middleware did not run for this route');
  return caller;
}
