import { z } from 'zod';
import { normalizeDomain } from './firmographics.provider';
import { confidenceIn, defineProvider } from './provider';

export const EMAIL_STATUSES = ['valid', 'risky', 'unknown'] as const;
export type EmailStatus = (typeof EMAIL_STATUSES)[number];

/**
 * Address patterns, one per domain (companies use one scheme for everyone), as `first`/`last` →
 * local part: `first.last`, `flast`, `first`, `firstl`, `first_last`, `lastf`.
 */
export const EMAIL_PATTERNS = ['first.last', 'flast', 'first', 'firstl', 'first_last', 'lastf'] as const;
export type EmailPattern = (typeof EMAIL_PATTERNS)[number];

/** `  José-Luis ` → `joseluis`: what is left of a name in an email address. */
export function emailNamePart(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/** The local part of `first last` under `pattern`; both names already {@link emailNamePart}s. */
export function localPart(pattern: EmailPattern, first: string, last: string): string {
  switch (pattern) {
    case 'first.last':
      return `${first}.${last}`;
    case 'flast':
      return `${first.charAt(0)}${last}`;
    case 'first':
      return first;
    case 'firstl':
      return `${first}${last.charAt(0)}`;
    case 'first_last':
      return `${first}_${last}`;
    case 'lastf':
      return `${last}${first.charAt(0)}`;
  }
}

const namePart = (description: string) =>
  z
    .string()
    .trim()
    .min(1)
    .max(100)
    .refine((value) => emailNamePart(value) !== '', 'must contain letters or digits')
    .meta({ description });

/** `POST /v1/providers/email-finder/lookup` body. */
export const emailFinderRequestSchema = z.object({
  first_name: namePart('Given name; accents and punctuation are dropped (`José` → `jose`).').meta({ example: 'Ada' }),
  last_name: namePart('Family name; accents and punctuation are dropped.').meta({ example: 'Lovelace' }),
  domain: z
    .string()
    .refine((value) => normalizeDomain(value) !== undefined, 'must be a domain such as acme.com')
    .meta({ description: 'Company domain or website URL.', example: 'acme.com' }),
});

export type EmailFinderRequest = z.output<typeof emailFinderRequestSchema>;

export const emailFinderAttributesSchema = z.object({
  work_email: z.email().meta({ description: "The person's address under the domain's pattern.", example: 'ada.lovelace@acme.com' }),
  email_status: z.enum(EMAIL_STATUSES).meta({
    description: 'valid: the mailbox exists; risky: the domain accepts every address (catch-all); unknown: not verifiable.',
  }),
});

export type EmailFinderAttributes = z.output<typeof emailFinderAttributesSchema>;

/** Finds the work email address of a person at a company domain. */
export const emailFinderProvider = defineProvider({
  name: 'email-finder',
  label: 'mock-email-finder',
  recordIdPrefix: 'per',
  schemaName: 'EmailFinder',
  summary: 'Work email address of a person at a company domain.',
  requestSchema: emailFinderRequestSchema,
  attributesSchema: emailFinderAttributesSchema,
  recordKey: (request) => `${emailNamePart(request.first_name)}\0${emailNamePart(request.last_name)}\0${normalizeDomain(request.domain) ?? ''}`,
  answer(request, hash) {
    const domain = normalizeDomain(request.domain) ?? '';
    // The pattern belongs to the domain, so everyone at one company gets addresses of one shape.
    const domainHash = hash.related('email-finder:domain', domain);
    const pattern = domainHash.pick('pattern', EMAIL_PATTERNS);
    const catchAll = domainHash.chance('catch_all', 0.25);
    const status: EmailStatus = catchAll ? 'risky' : hash.chance('unknown', 0.15) ? 'unknown' : 'valid';
    const [low, high] = status === 'valid' ? [0.8, 0.97] : status === 'unknown' ? [0.6, 0.75] : [0.4, 0.58];
    return {
      confidence: confidenceIn(hash, 'confidence', low, high),
      attributes: {
        work_email: `${localPart(pattern, emailNamePart(request.first_name), emailNamePart(request.last_name))}@${domain}`,
        email_status: status,
      },
    };
  },
});
