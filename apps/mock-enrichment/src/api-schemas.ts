import { z } from 'zod';
import { knobsSchema, knobsOverrideSchema } from './knobs';
import { vendorCountsSchema } from './vendors/vendor';

/** Every error body: `{ error: code, message, ... }`. */
export const errorBodySchema = z
  .object({
    error: z
      .enum(['invalid_request', 'not_found', 'unknown_provider', 'route_not_found', 'rate_limited', 'provider_unavailable', 'internal_error'])
      .meta({ description: 'Machine-readable error code.' }),
    message: z.string(),
    issues: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'invalid_request only: one entry per bad field (dotted path; header fields start with x-mock-knobs).' }),
    retry_after_seconds: z.number().int().min(1).optional().meta({ description: 'rate_limited only; same as Retry-After.' }),
    providers: z.array(z.string()).optional().meta({ description: 'unknown_provider only: the providers that exist.' }),
  })
  .meta({ id: 'Error' });

export const healthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

export const providerViewSchema = z
  .object({
    name: z.string().meta({ example: 'demographics' }),
    provider: z.string().meta({ example: 'mock-demographics' }),
    path: z.string().meta({ example: '/v1/providers/demographics/lookup' }),
    knobs: knobsSchema,
    overrides: knobsOverrideSchema,
  })
  .meta({ id: 'ProviderView' });

export const providerListSchema = z
  .object({
    defaults: knobsSchema,
    providers: z.array(providerViewSchema),
    vendors: z.array(providerViewSchema).meta({ description: 'Simulated real vendors, with the same knobs (their credits: GET /admin/vendors).' }),
  })
  .meta({ id: 'ProviderList' });

const count = z.number().int().min(0);

/** Lookups of one provider by outcome (see `OUTCOMES`). */
export const outcomeCountsSchema = z.object({ ok: count, not_found: count, rate_limited: count, failed: count, invalid: count }).meta({ id: 'OutcomeCounts' });

export const statsSchema = z
  .object({
    providers: z.record(z.string(), outcomeCountsSchema),
    vendors: z
      .record(z.string(), vendorCountsSchema)
      .meta({ description: 'Calls per simulated vendor and outcome (api_key filters by the credential presented).' }),
  })
  .meta({ id: 'Stats', description: 'Lookups per provider and outcome since start or the last reset.' });

/** Query of `GET /admin/stats`. */
export const statsQuerySchema = z.object({
  api_key: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'Count only the calls that carried this x-api-key, or for vendors this credential (zeros for a key never seen).' }),
});

export const resetSchema = z.object({ status: z.literal('reset') }).meta({ id: 'ResetResult' });
