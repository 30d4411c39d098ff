import { createHash } from 'node:crypto';

/**
 * The cache key of a provider request: a hash of the provider and the request's normalized
 * fields (Unicode NFC, trimmed, lower-cased, empty ones dropped, keys sorted). Equal contacts get
 * equal keys however their file spelled them (an accent typed as a combining mark or precomposed,
 * in records validated before `validateCustomerRecord` normalised text, or from stored customers),
 * and the key reveals nothing of the contact.
 */
export function lookupKey(provider: string, request: Readonly<Record<string, string | undefined>>): string {
  const normalized = Object.entries(request)
    .map(([name, value]) => [name, value?.normalize('NFC').trim().toLowerCase() ?? ''] as const)
    .filter(([, value]) => value !== '')
    .sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256').update(provider).update('\0').update(JSON.stringify(normalized)).digest('base64url');
}
