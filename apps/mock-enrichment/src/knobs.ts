import { z } from 'zod';

const rate = z.number().min(0).max(1);
const ms = z.number().int().min(0).max(600_000);
const perSecond = z.number().min(0).max(1_000_000);

const knobFields = {
  latencyMs: ms.meta({ description: 'Fixed delay before every answer (errors included, 400 excepted).' }),
  jitterMs: ms.meta({ description: 'Extra delay, uniform in [0, jitterMs], added to latencyMs.' }),
  failureRate: rate.meta({ description: 'Probability of a transient 503 provider_unavailable (random per request).' }),
  notFoundRate: rate.meta({
    description: 'Share of records that are unknown (404). Decided by the record hash, so a record is always or never unknown.',
  }),
  rateLimitPerSecond: perSecond.meta({
    description: 'Token-bucket rate per provider (and per x-mock-knobs value) before 429; 0 = unlimited.',
  }),
};

/** The behaviour of one simulated provider: latency, failures, unknown records and rate limit. */
export const knobsSchema = z.object(knobFields).strict().meta({ id: 'Knobs' });

/** The knobs every provider starts with and returns to on reset (from the server configuration). */
export type Knobs = z.output<typeof knobsSchema>;

/** Any subset of the knobs: what the `x-mock-knobs` header carries. Unknown keys are refused so typos fail loudly. */
export const knobsOverrideSchema = knobsSchema.partial().strict().meta({
  id: 'KnobsOverride',
  description: 'A subset of the knobs, e.g. {"failureRate":0.2}. Unknown keys are rejected.',
});

/** A subset of the knobs. */
export type KnobsOverride = z.output<typeof knobsOverrideSchema>;

/**
 * What the `x-mock-knobs` header carries: knobs for every provider the request reaches, and under
 * `providers` knobs for one provider only (they win), so one client can make the first vendor of a
 * waterfall miss while the second answers.
 */
export const knobsHeaderSchema = knobsOverrideSchema
  .extend({
    providers: z
      .record(z.string(), knobsOverrideSchema)
      .optional()
      .meta({ description: 'Knobs for one provider by name, e.g. {"demographics":{"notFoundRate":0.3}}; unknown names are rejected.' }),
  })
  .meta({
    id: 'KnobsHeader',
    description: 'A subset of the knobs for every provider, e.g. {"failureRate":0.2}, plus per-provider knobs under "providers". Unknown keys are rejected.',
  });

/** The parsed `x-mock-knobs` header. */
export type KnobsHeader = z.output<typeof knobsHeaderSchema>;

/** Body of `PUT /admin/providers/:name/knobs`: values are merged into the overrides, `null` drops one. */
export const knobsPatchSchema = z
  .object({
    latencyMs: knobFields.latencyMs.nullable().optional(),
    jitterMs: knobFields.jitterMs.nullable().optional(),
    failureRate: knobFields.failureRate.nullable().optional(),
    notFoundRate: knobFields.notFoundRate.nullable().optional(),
    rateLimitPerSecond: knobFields.rateLimitPerSecond.nullable().optional(),
  })
  .strict()
  .meta({
    id: 'KnobsPatch',
    description: 'Knobs to override for one provider; a null value removes that override (back to the server default).',
  });

/** A change to one provider's overrides. */
export type KnobsPatch = z.output<typeof knobsPatchSchema>;

/** The name of the per-request override header. */
export const KNOBS_HEADER = 'x-mock-knobs';

/** One problem with a request, addressed by a dotted path (`email`, `x-mock-knobs.failureRate`). */
export interface Issue {
  path: string;
  message: string;
}

/** Turns zod issues into {@link Issue}s, optionally under a prefix such as the header name. */
export function toIssues(error: z.ZodError, prefix?: string): Issue[] {
  return error.issues.map((issue) => ({
    path: [...(prefix === undefined ? [] : [prefix]), ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

/**
 * Parses the `x-mock-knobs` header (JSON of a {@link KnobsHeader}); an absent header is no override.
 * Provider names under `providers` are checked by the simulator, which knows them.
 */
export function parseKnobsHeader(raw: string | undefined): { success: true; knobs: KnobsHeader } | { success: false; issues: Issue[] } {
  if (raw === undefined || raw.trim() === '') return { success: true, knobs: {} };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { success: false, issues: [{ path: KNOBS_HEADER, message: 'must be a JSON object such as {"failureRate":0.2}' }] };
  }
  const parsed = knobsHeaderSchema.safeParse(json);
  return parsed.success ? { success: true, knobs: parsed.data } : { success: false, issues: toIssues(parsed.error, KNOBS_HEADER) };
}

/** Applies a patch to a provider's overrides: set values replace, `null` values remove. */
export function applyKnobsPatch(overrides: KnobsOverride, patch: KnobsPatch): KnobsOverride {
  const next: Record<string, number> = { ...overrides };
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete next[name];
    else if (value !== undefined) next[name] = value;
  }
  return next as KnobsOverride;
}
