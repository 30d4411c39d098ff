import type { ApiScope } from '@enrich/domain';

/** Who is calling the gateway: a tenant, with what it may do, whichever credential proved it. */
export interface Principal {
  /** How the caller was recognised. */
  via: 'api-key' | 'jwt';
  tenant: { id: string; slug: string; rateLimitPerMinute: number | null };
  scopes: ReadonlySet<ApiScope>;
  /** A name safe to log and to count requests by: the key id (`ek_…`) or `jwt:<sub>`. */
  subject: string;
}

/** What a principal is logged as: never a secret. */
export function describePrincipal(principal: Principal): Record<string, unknown> {
  return { tenant: principal.tenant.slug, subject: principal.subject, via: principal.via };
}
