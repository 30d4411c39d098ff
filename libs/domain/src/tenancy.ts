import { z } from 'zod';

/**
 * What an API key (or a JWT's scope claim) allows:
 * - `read`: status and results, with personal fields redacted;
 * - `write`: submit jobs and requests, pause, resume, cancel;
 * - `pii`: results with personal fields opened (with `read`);
 * - `admin`: the tenant's keys (and webhooks).
 */
export const API_SCOPES = ['read', 'write', 'pii', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const apiScopeSchema = z.enum(API_SCOPES);

/** A tenant's short name: what the admin CLI and logs use. */
export const tenantSlugSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'use 1-63 lowercase letters, digits and dashes, starting and ending with a letter or digit');

/** Prefix of every API key, so a leaked key is recognisable (secret scanners, support). */
export const API_KEY_PREFIX = 'ek_';

/**
 * An API key is `ek_<12 hex>_<43 base64url>`: the first part is the key's id (visible, stored,
 * logged), the second its 256-bit secret (shown once, never stored).
 */
const API_KEY = /^(ek_[0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** The id and secret of a well-formed API key; undefined for anything else. */
export function parseApiKey(key: string): { id: string; secret: string } | undefined {
  const match = API_KEY.exec(key);
  return match ? { id: match[1] as string, secret: match[2] as string } : undefined;
}
