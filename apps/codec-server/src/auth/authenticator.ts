import {
  authenticate as authenticateWith,
  BearerAuthenticator,
  callerOf as callerOfRequest,
  claimValues,
  forbidden,
  JwtCredentialVerifier,
  JwtVerifier,
  StaticTokenVerifier,
  type CredentialVerifier,
} from '@enrich/http';
import type { Request, RequestHandler } from 'express';
import { CODEC_ROLES, type CodecRole, type CodecServerConfig } from '../config';

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

/** The codec server's authenticator: the platform's bearer authenticator (`@enrich/http`) answering {@link Caller}s. */
export type Authenticator = BearerAuthenticator<Caller>;

/** The realm of the `WWW-Authenticate: Bearer` challenge on a 401. */
const REALM = 'codec-server';

/**
 * Static tokens (each with its role) and/or JWTs from a JWKS (the role from a claim). With auth
 * disabled (development only) everyone is `ops`, never `pii`.
 */
export function codecAuthenticator(config: AuthConfig): Authenticator {
  const verifiers: Array<CredentialVerifier<Caller>> = [];
  if (config.tokens.length > 0)
    verifiers.push(new StaticTokenVerifier(config.tokens.map(({ token, role }) => ({ token, caller: { role, via: 'token' as const } }))));
  const jwt = config.jwt;
  if (jwt) {
    verifiers.push(
      new JwtCredentialVerifier<Caller>(
        new JwtVerifier(jwt),
        (claims) => {
          const role = roleFrom(claims[jwt.roleClaim]);
          if (!role) throw forbidden(`The token carries no codec role: its ${jwt.roleClaim} claim must be ${CODEC_ROLES.join(' or ')}.`);
          const subject = typeof claims['sub'] === 'string' ? claims['sub'] : undefined;
          return { role, via: 'jwt', ...(subject ? { subject } : {}) };
        },
        REALM,
      ),
    );
  }
  return new BearerAuthenticator<Caller>({ realm: REALM, verifiers, ...(config.disabled ? { disabledAs: { role: 'ops', via: 'auth-disabled' } } : {}) });
}

/** A role claim is a string or a list of strings; a list naming both roles gives the stronger one. */
function roleFrom(claim: unknown): CodecRole | undefined {
  const values = claimValues(claim);
  if (values.includes('pii')) return 'pii';
  if (values.includes('ops')) return 'ops';
  return undefined;
}

/** Middleware: authenticates the request (or fails it with 401/403/503) before anything reads its body. */
export function authenticate(authenticator: Authenticator): RequestHandler {
  return authenticateWith(authenticator, ({ role, via, subject }) => ({ role, via, ...(subject ? { sub: subject } : {}) }));
}

/** The caller {@link authenticate} recognised. */
export function callerOf(req: Request): Caller {
  return callerOfRequest<Caller>(req);
}
