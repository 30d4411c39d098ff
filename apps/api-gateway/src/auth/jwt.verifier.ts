import { API_SCOPES, type ApiScope } from '@enrich/domain';
import type { Tenant, TenantRepository } from '@enrich/db';
import { claimValues, forbidden, JwtCredentialVerifier, JwtVerifier, type CredentialVerifier, type JwtVerifierOptions } from '@enrich/http';
import type { Principal } from './principal';

/** OIDC settings of the gateway: where keys come from and which claims carry the tenant and scopes. */
export interface GatewayJwtOptions extends JwtVerifierOptions {
  /** Claim holding the tenant's slug. */
  tenantClaim: string;
  /** Claim holding the scopes (a space-separated string, as OAuth's `scope`, or a list). */
  scopeClaim: string;
}

/**
 * Bearer JWTs from the organisation's identity provider: checked against its JWKS, the tenant read
 * from {@link GatewayJwtOptions.tenantClaim} (a tenant slug) and the scopes from
 * {@link GatewayJwtOptions.scopeClaim}. A valid token naming no known tenant, or no scope of ours, is
 * a 403.
 */
export function jwtPrincipals(options: GatewayJwtOptions, tenants: TenantRepository, realm: string): CredentialVerifier<Principal> {
  const known = new Map<string, Promise<Tenant | undefined>>();
  const tenantOf = (slug: string) => {
    let tenant = known.get(slug);
    if (!tenant) {
      tenant = tenants.bySlug(slug);
      known.set(slug, tenant);
      // Forget it after a minute, so a tenant created later is found and a failed read is retried.
      setTimeout(() => known.delete(slug), 60_000).unref();
    }
    return tenant;
  };
  return new JwtCredentialVerifier<Principal>(
    new JwtVerifier(options),
    async (claims) => {
      const slug = claims[options.tenantClaim];
      if (typeof slug !== 'string') throw forbidden(`The token names no tenant: its ${options.tenantClaim} claim must be a tenant's name.`);
      const tenant = await tenantOf(slug);
      if (!tenant) throw forbidden(`The token's tenant "${slug}" does not exist here.`);
      const scopes = claimValues(claims[options.scopeClaim]).filter((scope): scope is ApiScope => (API_SCOPES as readonly string[]).includes(scope));
      if (scopes.length === 0)
        throw forbidden(`The token grants none of this API's scopes: its ${options.scopeClaim} claim must name ${API_SCOPES.join(', ')}.`);
      const subject = typeof claims['sub'] === 'string' ? claims['sub'] : 'unknown';
      return {
        via: 'jwt',
        tenant: { id: tenant.id, slug: tenant.slug, rateLimitPerMinute: tenant.rateLimitPerMinute },
        scopes: new Set(scopes),
        subject: `jwt:${subject}`,
      };
    },
    realm,
  );
}
