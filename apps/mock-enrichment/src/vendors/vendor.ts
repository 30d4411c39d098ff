import { z } from 'zod';
import { InvalidRequestError, UnknownProviderError } from '../errors';
import { KNOBS_HEADER, knobsPatchSchema, toIssues, type Issue, type Knobs } from '../knobs';
import { RecordHash } from '../record-hash';
import type { KnobTarget, ProviderSimulator } from '../simulator';
import type { BucketLevel } from '../token-bucket';

/**
 * Simulated real vendors: each answers at the vendor's own path, with the vendor's own auth, bodies,
 * status codes and headers, so that the adapters in `libs/providers` can be tested end to end over
 * HTTP by pointing their base URL at this server. They take the providers' knobs (latency, jitter,
 * failureRate, notFoundRate, rateLimitPerSecond) by their own names, plus vendor-only knobs
 * (malformed answers), a credit balance, and their own call counters.
 *
 * @module
 */

/** The API key every vendor accepts (`MOCK_VENDOR_API_KEY`), in the vendor's own place. */
export const DEFAULT_VENDOR_API_KEY = 'mock-vendor-key';

/** Per-request vendor-only knobs, as JSON: `{"malformedRate":1,"malformedKind":"truncated","outOfCredits":true}`. */
export const VENDOR_KNOBS_HEADER = 'x-mock-vendor-knobs';

/**
 * How a malformed 200 is broken: `truncated` JSON cut in half, `wrong_shape` valid JSON that does not
 * match the vendor's schema, `html` an HTML error page sent as a 200 by a proxy.
 */
export const MALFORMED_KINDS = ['truncated', 'wrong_shape', 'html'] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

const rate = z.number().min(0).max(1);
const malformedKind = z.enum(['any', ...MALFORMED_KINDS]);

const vendorKnobFields = {
  malformedRate: rate.meta({
    description: 'Share of found records answered with a malformed 200 (decided by the record hash: a record is always or never malformed).',
  }),
  malformedKind: malformedKind.meta({ description: 'How malformed answers are broken; `any` picks one per record by hash.' }),
};

/** Knobs only vendors have. */
export const vendorKnobsSchema = z.object(vendorKnobFields).strict().meta({ id: 'VendorKnobs' });
export type VendorKnobs = z.output<typeof vendorKnobsSchema>;

/** The `x-mock-vendor-knobs` header: vendor knobs for this request, plus `outOfCredits` to answer as if the balance were 0. */
export const vendorKnobsHeaderSchema = vendorKnobsSchema
  .partial()
  .extend({
    outOfCredits: z.boolean().optional().meta({ description: "true: answer the vendor's out-of-credits error, whatever the balance." }),
  })
  .strict()
  .meta({ id: 'VendorKnobsHeader', description: 'Vendor-only knobs for one request. Unknown keys are rejected.' });
export type VendorKnobsHeader = z.output<typeof vendorKnobsHeaderSchema>;

/** Body of `PUT /admin/vendors/:name/knobs`: the common knobs and the vendor-only ones; `null` drops an override. */
export const vendorKnobsPatchSchema = z
  .object({
    ...knobsPatchSchema.shape,
    malformedRate: vendorKnobFields.malformedRate.nullable().optional(),
    malformedKind: vendorKnobFields.malformedKind.nullable().optional(),
  })
  .strict()
  .meta({ id: 'VendorKnobsPatch', description: 'Knobs to override for one vendor (common and vendor-only); null removes that override.' });
export type VendorKnobsPatch = z.output<typeof vendorKnobsPatchSchema>;

/** Body of `PUT /admin/vendors/:name/credits`. */
export const vendorCreditsPatchSchema = z
  .object({
    remaining: z
      .number()
      .int()
      .min(0)
      .nullable()
      .meta({ description: 'Credits left; each billable call spends one; at 0 the vendor answers its out-of-credits error. null = unlimited.' }),
  })
  .strict()
  .meta({ id: 'VendorCreditsPatch' });

const DEFAULT_VENDOR_KNOBS: VendorKnobs = { malformedRate: 0, malformedKind: 'any' };

/** How a vendor call ended, as counted by `/admin/stats` (`calls` is their sum). */
export const VENDOR_OUTCOMES = ['ok', 'not_found', 'malformed', 'unauthorized', 'invalid', 'rate_limited', 'out_of_credits', 'failed'] as const;
export type VendorOutcome = (typeof VENDOR_OUTCOMES)[number];
export type VendorCounts = Record<VendorOutcome | 'calls' | 'billed', number>;

const count = z.number().int().min(0);
export const vendorCountsSchema = z
  .object({
    calls: count.meta({ description: 'Every request the vendor received (the sum of the outcomes).' }),
    ok: count,
    not_found: count.meta({ description: "The vendor's no-match answer." }),
    malformed: count.meta({ description: 'Found, but answered with a malformed 200 (malformedRate).' }),
    unauthorized: count.meta({ description: 'Missing or wrong credential.' }),
    invalid: count.meta({ description: "Refused parameters (the vendor's 400/422) or a bad x-mock-* header." }),
    rate_limited: count,
    out_of_credits: count,
    failed: count.meta({ description: 'Simulated 5xx (failureRate).' }),
    billed: count.meta({ description: 'Credits spent, by the vendor’s own billing rule.' }),
  })
  .meta({ id: 'VendorCounts' });

const emptyCounts = (): VendorCounts => ({
  calls: 0,
  ok: 0,
  not_found: 0,
  malformed: 0,
  unauthorized: 0,
  invalid: 0,
  rate_limited: 0,
  out_of_credits: 0,
  failed: 0,
  billed: 0,
});

/**
 * The parts of an HTTP request a vendor reads: query parameters (the first value of each, trimmed;
 * empty values are absent) and headers.
 */
export interface VendorRequest {
  query: Readonly<Record<string, string | undefined>>;
  header(name: string): string | undefined;
}

/** A vendor answer before serialization: the body is sent as compact JSON, in the key order it was built. */
export interface VendorReply {
  status: number;
  body: unknown;
  headers?: Readonly<Record<string, string>>;
}

/** An answer as sent on the wire. */
export interface VendorResponse {
  status: number;
  headers: Record<string, string>;
  contentType: string;
  body: string;
}

/** The rate limit of one call, for the vendor's rate-limit headers. */
export interface RateWindow {
  /** The `rateLimitPerSecond` knob; 0 = unlimited. */
  perSecond: number;
  /** The bucket after this call's token; `undefined` when unlimited. */
  level: BucketLevel | undefined;
  /** Set when the call was refused: whole seconds until a token is back. */
  retryAfterSeconds: number | undefined;
  /** Milliseconds since the epoch. */
  now: number;
}

/** The credit balance after a call and what the call spent. */
export interface Billing {
  /** `null` = unlimited. */
  remaining: number | null;
  spent: number;
}

/** The answer to a valid, authorized, admitted call: found (`ok`) or the vendor's no-match. */
export interface VendorAnswer {
  outcome: 'ok' | 'not_found';
  reply: VendorReply;
}

/** An OpenAPI security scheme (a subset of openapi3-ts' type, which is not a dependency of this app). */
export type VendorSecurityScheme =
  { type: 'apiKey'; in: 'header' | 'query'; name: string; description: string } | { type: 'http'; scheme: 'bearer' | 'basic'; description: string };

/** A response header in the OpenAPI document (a type, not an interface: it must fit openapi3-ts' index signatures). */
export type VendorHeaderDoc = {
  description: string;
  schema: { type: 'string' | 'integer' };
};

/** What the OpenAPI document says of one vendor route. */
export interface VendorOpenApi {
  /** The query parameters (without the credential: see `securitySchemes`). */
  querySchema: z.ZodObject;
  /** Component name → scheme; one operation-level requirement per entry (any one of them is enough). */
  securitySchemes: Readonly<Record<string, VendorSecurityScheme>>;
  /** Status → description and body schema. */
  responses: Readonly<Record<number, { description: string; schema: z.ZodType; headers?: readonly string[] }>>;
  /** Header name → documentation, referred to by `responses[status].headers`. */
  headers?: Readonly<Record<string, VendorHeaderDoc>>;
}

/** Everything one simulated vendor is. One `<name>.vendor.ts` file exports one through {@link defineVendor}. */
export interface VendorDefinition<Params> {
  /** Knob and admin name, e.g. `pdl-person`. Also hashed into every record. */
  name: string;
  /** Human name of the API, e.g. `People Data Labs Person Enrichment API v5`. */
  label: string;
  /** Path on this server, the vendor's own (`GET` only). */
  path: string;
  /** The vendor's base URL, for documentation. */
  realBaseUrl: string;
  /** Where the wire format comes from. */
  docs: string;
  operationId: string;
  summary: string;
  /** How the credential is passed, in one line. */
  auth: string;
  /** The credential the request presents (wherever this vendor takes it), or `undefined`. */
  credential(request: VendorRequest): string | undefined;
  /** Validates the query; the record key must be equal for requests that mean the same record. */
  parse(query: VendorRequest['query']): { success: true; params: Params; key: string } | { success: false; reply: VendorReply };
  /** The answer, from the params and the record hash only; `known: false` asks for the vendor's no-match. */
  answer(params: Params, hash: RecordHash, known: boolean): VendorAnswer;
  /** Whether an answer with this outcome costs a credit (the vendor's billing rule). */
  bills(outcome: VendorAnswer['outcome']): boolean;
  /** 401: no credential (`presented: false`) or a wrong one. */
  unauthorized(presented: boolean): VendorReply;
  /** The vendor's throttling answer (its status and headers). */
  rateLimited(window: RateWindow): VendorReply;
  /** The vendor's answer once credits are exhausted. */
  outOfCredits(): VendorReply;
  /** The vendor's 5xx. */
  unavailable(): VendorReply;
  /** A found answer's body in a shape that does not match the vendor's schema (valid JSON). */
  wrongShape(body: unknown): unknown;
  /** Headers the vendor sends on every answer past authentication (rate limit, credits). */
  headers(window: RateWindow, billing: Billing | undefined): Record<string, string>;
  openapi: VendorOpenApi;
}

/** A vendor with its parameter type erased, so the registry can hold any mix of them. */
export interface Vendor
  extends
    KnobTarget,
    Pick<
      VendorDefinition<unknown>,
      | 'realBaseUrl'
      | 'docs'
      | 'operationId'
      | 'summary'
      | 'auth'
      | 'openapi'
      | 'credential'
      | 'bills'
      | 'unauthorized'
      | 'rateLimited'
      | 'outOfCredits'
      | 'unavailable'
      | 'wrongShape'
      | 'headers'
    > {
  prepare(
    query: VendorRequest['query'],
  ): { success: true; key: string; answer(hash: RecordHash, known: boolean): VendorAnswer } | { success: false; reply: VendorReply };
}

/** Builds a {@link Vendor} from its definition. */
export function defineVendor<Params>(definition: VendorDefinition<Params>): Vendor {
  const { parse, answer, ...rest } = definition;
  return {
    ...rest,
    prepare(query) {
      const parsed = parse(query);
      if (!parsed.success) return parsed;
      return { success: true, key: parsed.key, answer: (hash, known) => answer(parsed.params, hash, known) };
    },
  };
}

/** The first issue of a zod error as `path: message` (vendors report one problem at a time). */
export function firstIssue(error: z.ZodError): string {
  const [issue] = error.issues;
  if (issue === undefined) return 'invalid request';
  const path = issue.path.map(String).join('.');
  return path === '' ? issue.message : `${path}: ${issue.message}`;
}

/** `2024-05-01 12:00:00`: the UTC timestamp format of PDL's `x-ratelimit-reset`. */
export function utcTimestamp(milliseconds: number): string {
  return new Date(milliseconds).toISOString().slice(0, 19).replace('T', ' ');
}

/** A date (`YYYY-MM-DD`) in the two years after 2024-01-01, from the hash: never from the clock. */
export function hashDate(hash: RecordHash, label: string): string {
  return new Date(Date.UTC(2024, 0, 1) + hash.integer(label, 0, 729) * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The per-minute limit and the remaining requests a vendor's headers show: `rateLimitPerSecond` × 60
 * and the bucket's whole tokens, or `unlimited` for both when no rate limit is set.
 */
export function perMinute(window: RateWindow, unlimited: number): { limit: number; remaining: number } {
  if (window.perSecond <= 0 || window.level === undefined) return { limit: unlimited, remaining: unlimited };
  return { limit: Math.ceil(window.perSecond * 60), remaining: window.level.remaining };
}

/** Seconds until this call's rate-limit window is whole again: `Retry-After` when refused, else until the bucket is full. */
export function resetSeconds(window: RateWindow): number {
  if (window.retryAfterSeconds !== undefined) return window.retryAfterSeconds;
  return Math.ceil(window.level?.fullInSeconds ?? 0);
}

const HTML_ERROR_PAGE =
  '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>' +
  '<p>The upstream server returned an invalid response.</p></body></html>';

const JSON_TYPE = 'application/json; charset=utf-8';

/** One vendor in the vendor-admin listing. */
export const vendorViewSchema = z
  .object({
    name: z.string().meta({ example: 'pdl-person' }),
    vendor: z.string().meta({ example: 'People Data Labs Person Enrichment API v5' }),
    method: z.literal('GET'),
    path: z.string().meta({ example: '/v5/person/enrich' }),
    real_base_url: z.string(),
    auth: z.string(),
    docs: z.string(),
    knobs: z.object({
      latencyMs: z.number(),
      jitterMs: z.number(),
      failureRate: z.number(),
      notFoundRate: z.number(),
      rateLimitPerSecond: z.number(),
      malformedRate: z.number(),
      malformedKind: malformedKind,
    }),
    credits: z.object({ remaining: z.number().int().nullable(), billed: count }),
    counts: vendorCountsSchema,
  })
  .meta({ id: 'VendorView' });
export type VendorView = z.output<typeof vendorViewSchema>;

export const vendorListSchema = z.object({ vendors: z.array(vendorViewSchema) }).meta({ id: 'VendorList' });

/** What {@link VendorSimulator} needs. */
export interface VendorSimulatorOptions {
  vendors: readonly Vendor[];
  /** Knobs, token buckets, latency and failures are the provider simulator's, shared by name. */
  simulator: ProviderSimulator;
  seed: string;
  /** The key every vendor accepts. */
  apiKey: string;
  /** Milliseconds, for reset timestamps in headers. Defaults to `Date.now`. */
  now?: () => number;
}

/**
 * The vendors' state and behaviour: auth, credits, vendor-only knobs and call counters; the common
 * knobs, buckets, latency and failures come from the {@link ProviderSimulator}.
 */
export class VendorSimulator {
  private readonly registry: ReadonlyMap<string, Vendor>;
  private readonly knobOverrides = new Map<string, Partial<VendorKnobs>>();
  private readonly credits = new Map<string, number>();
  private readonly counts = new Map<string, VendorCounts>();
  private readonly countsByKey = new Map<string, Map<string, VendorCounts>>();
  private readonly now: () => number;

  constructor(private readonly options: VendorSimulatorOptions) {
    this.registry = new Map(options.vendors.map((vendor) => [vendor.name, vendor]));
    this.now = options.now ?? Date.now;
  }

  /** Every vendor, in registry order. */
  get vendors(): Vendor[] {
    return [...this.registry.values()];
  }

  /** The vendor named `name`. @throws {@link UnknownProviderError} */
  vendor(name: string): Vendor {
    const vendor = this.registry.get(name);
    if (!vendor) throw new UnknownProviderError(name, [...this.registry.keys()]);
    return vendor;
  }

  /**
   * Answers one call of vendor `name`.
   *
   * Order: a bad `x-mock-*` header is the mock's own 400 (a test-setup error, not vendor traffic);
   * then, at once, the vendor's 401 and its answer to bad parameters; then a token is taken and the
   * latency served; then throttling, out of credits, 5xx, no-match and the record, in that order.
   * Billable answers spend a credit; a found record may then be sent malformed.
   *
   * @throws {@link InvalidRequestError} for a bad `x-mock-knobs` or `x-mock-vendor-knobs` header.
   */
  async handle(name: string, request: VendorRequest): Promise<VendorResponse> {
    const vendor = this.vendor(name);
    const credential = vendor.credential(request);
    const knobsHeader = request.header(KNOBS_HEADER);
    const requestKnobs = this.options.simulator.requestKnobs(name, knobsHeader);
    if (!requestKnobs.success) {
      this.record(name, 'invalid', credential);
      throw new InvalidRequestError(requestKnobs.issues, 'The x-mock-knobs header is invalid.');
    }
    const vendorHeader = parseVendorKnobsHeader(request.header(VENDOR_KNOBS_HEADER));
    if (!vendorHeader.success) {
      this.record(name, 'invalid', credential);
      throw new InvalidRequestError(vendorHeader.issues, `The ${VENDOR_KNOBS_HEADER} header is invalid.`);
    }
    const { outOfCredits, ...perRequest } = vendorHeader.knobs;
    const knobs = { ...requestKnobs.knobs, ...this.vendorKnobs(name), ...perRequest };

    if (credential !== this.options.apiKey) {
      this.record(name, 'unauthorized', credential);
      return json(vendor.unauthorized(credential !== undefined));
    }
    const prepared = vendor.prepare(request.query);
    if (!prepared.success) {
      this.record(name, 'invalid', credential);
      return json(prepared.reply);
    }

    const { token, level } = this.options.simulator.takeToken(name, knobsHeader, knobs.rateLimitPerSecond);
    await this.options.simulator.waitLatency(knobs);
    const window: RateWindow = {
      perSecond: knobs.rateLimitPerSecond,
      level,
      retryAfterSeconds: token.allowed ? undefined : token.retryAfterSeconds,
      now: this.now(),
    };
    const withHeaders = (reply: VendorReply, billing?: Billing): VendorReply => ({
      ...reply,
      headers: { ...vendor.headers(window, billing), ...reply.headers },
    });

    if (!token.allowed) {
      this.record(name, 'rate_limited', credential);
      return json(withHeaders(vendor.rateLimited(window)));
    }
    const balance = this.credits.get(name);
    if (outOfCredits === true || balance === 0) {
      this.record(name, 'out_of_credits', credential);
      return json(withHeaders(vendor.outOfCredits(), { remaining: 0, spent: 0 }));
    }
    if (this.options.simulator.fails(knobs)) {
      this.record(name, 'failed', credential);
      return json(withHeaders(vendor.unavailable()));
    }

    const hash = RecordHash.of(this.options.seed, name, prepared.key);
    // A property of the record, not of the request: the same record is always (or never) unknown.
    const known = hash.fraction('not_found') >= knobs.notFoundRate;
    const { outcome, reply } = prepared.answer(hash, known);
    const spent = vendor.bills(outcome) ? 1 : 0;
    const remaining = balance === undefined ? null : balance - spent;
    if (remaining !== null) this.credits.set(name, remaining);
    const billed = withHeaders(reply, { remaining, spent });

    if (outcome === 'ok' && hash.fraction('malformed') < knobs.malformedRate) {
      this.record(name, 'malformed', credential, spent);
      const kind = knobs.malformedKind === 'any' ? hash.pick('malformed_kind', MALFORMED_KINDS) : knobs.malformedKind;
      return malformed(vendor, billed, kind);
    }
    this.record(name, outcome, credential, spent);
    return json(billed);
  }

  /** Sets (or, with `null`, removes) a vendor's credit balance. */
  setCredits(name: string, remaining: number | null): VendorView {
    this.vendor(name);
    if (remaining === null) this.credits.delete(name);
    else this.credits.set(name, remaining);
    return this.view(name);
  }

  /** Applies a patch: common knobs go to the provider simulator, vendor-only ones stay here. */
  updateKnobs(name: string, patch: VendorKnobsPatch): VendorView {
    this.vendor(name);
    const { malformedRate, malformedKind: kind, ...common } = patch;
    this.options.simulator.updateKnobs(name, common);
    const next: Partial<VendorKnobs> = { ...this.knobOverrides.get(name) };
    if (malformedRate === null) delete next.malformedRate;
    else if (malformedRate !== undefined) next.malformedRate = malformedRate;
    if (kind === null) delete next.malformedKind;
    else if (kind !== undefined) next.malformedKind = kind;
    this.knobOverrides.set(name, next);
    return this.view(name);
  }

  /** Every vendor with its knobs, credits and counters. */
  list(): VendorView[] {
    return [...this.registry.keys()].map((name) => this.view(name));
  }

  /** Call counts per vendor since start or the last reset: of every call, or of the calls presenting `credential`. */
  stats(credential?: string): Record<string, VendorCounts> {
    const counts = credential === undefined ? this.counts : this.countsByKey.get(credential);
    return Object.fromEntries([...this.registry.keys()].map((name) => [name, { ...(counts?.get(name) ?? emptyCounts()) }]));
  }

  /** Vendor knobs back to defaults, credits unlimited, counters cleared (the common knobs are reset by the provider simulator). */
  reset(): void {
    this.knobOverrides.clear();
    this.credits.clear();
    this.counts.clear();
    this.countsByKey.clear();
  }

  private vendorKnobs(name: string): VendorKnobs {
    return { ...DEFAULT_VENDOR_KNOBS, ...this.knobOverrides.get(name) };
  }

  private view(name: string): VendorView {
    const vendor = this.vendor(name);
    const knobs: Knobs = this.options.simulator.knobs(name);
    return {
      name,
      vendor: vendor.label,
      method: 'GET',
      path: vendor.path,
      real_base_url: vendor.realBaseUrl,
      auth: vendor.auth,
      docs: vendor.docs,
      knobs: { ...knobs, ...this.vendorKnobs(name) },
      credits: { remaining: this.credits.get(name) ?? null, billed: this.counts.get(name)?.billed ?? 0 },
      counts: { ...(this.counts.get(name) ?? emptyCounts()) },
    };
  }

  private record(name: string, outcome: VendorOutcome, credential: string | undefined, billed = 0): void {
    tally(this.counts, name, outcome, billed);
    if (credential === undefined) return;
    let byVendor = this.countsByKey.get(credential);
    if (!byVendor) {
      byVendor = new Map();
      this.countsByKey.set(credential, byVendor);
    }
    tally(byVendor, name, outcome, billed);
  }
}

function tally(counts: Map<string, VendorCounts>, name: string, outcome: VendorOutcome, billed: number): void {
  const entry = counts.get(name) ?? emptyCounts();
  entry.calls += 1;
  entry[outcome] += 1;
  entry.billed += billed;
  counts.set(name, entry);
}

/** Parses the `x-mock-vendor-knobs` header; absent means no override. */
export function parseVendorKnobsHeader(raw: string | undefined): { success: true; knobs: VendorKnobsHeader } | { success: false; issues: Issue[] } {
  if (raw === undefined || raw.trim() === '') return { success: true, knobs: {} };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { success: false, issues: [{ path: VENDOR_KNOBS_HEADER, message: 'must be a JSON object such as {"malformedRate":1}' }] };
  }
  const parsed = vendorKnobsHeaderSchema.safeParse(value);
  return parsed.success ? { success: true, knobs: parsed.data } : { success: false, issues: toIssues(parsed.error, VENDOR_KNOBS_HEADER) };
}

function json(reply: VendorReply): VendorResponse {
  return { status: reply.status, headers: { ...reply.headers }, contentType: JSON_TYPE, body: JSON.stringify(reply.body) };
}

function malformed(vendor: Vendor, reply: VendorReply, kind: MalformedKind): VendorResponse {
  const headers = { ...reply.headers };
  switch (kind) {
    case 'truncated': {
      const text = JSON.stringify(reply.body);
      return { status: 200, headers, contentType: JSON_TYPE, body: text.slice(0, Math.floor(text.length / 2)) };
    }
    case 'wrong_shape':
      return { status: 200, headers, contentType: JSON_TYPE, body: JSON.stringify(vendor.wrongShape(reply.body)) };
    case 'html':
      return { status: 200, headers, contentType: 'text/html; charset=utf-8', body: HTML_ERROR_PAGE };
  }
}
