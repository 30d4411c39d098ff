import type { CustomerRecord, FieldValue } from '@enrich/domain';
import type { VendorReply } from './http';

/** What a vendor is asked for a contact (also what its answers are cached by); values left undefined are not sent. */
export type RequestBody = Record<string, string | undefined>;

/** Credits one answered call and one match cost at a vendor (unset: 0). */
export interface VendorCost {
  perCall?: number;
  perMatch?: number;
}

/** Where a vendor expects its credential. */
export type AuthPlacement = { in: 'header'; name: string } | { in: 'query'; name: string } | { in: 'bearer' } | { in: 'none' };

/** The HTTP call for one lookup, relative to the vendor's base URL. */
export interface VendorCall {
  method: 'GET' | 'POST';
  path: string;
  query?: RequestBody;
  /** JSON body (POST). */
  body?: unknown;
}

/** What a vendor's answer means for the platform: fields by platform name, with the vendor's confidence. */
export type VendorAnswer =
  { kind: 'found'; confidence: number; attributes: Readonly<Record<string, FieldValue | undefined>>; label?: string } | { kind: 'not_found' };

/**
 * How a vendor says something other than an answer, when its status alone does not tell (a 200
 * "no result", a 403 meaning "out of credits"). Anything not classified here follows the status.
 */
export type VendorSignal =
  | { kind: 'not_found' }
  | { kind: 'out_of_credits'; message: string }
  | { kind: 'bad_credentials'; message: string }
  | { kind: 'rate_limited'; message: string; retryAfterMs: number }
  /** Accepted but not answered yet (e.g. a lookup queued at the vendor): ask again. */
  | { kind: 'retry_later'; message: string; retryAfterMs: number };

/**
 * One vendor's API, as the platform calls it: what it needs from a contact, the request it is
 * sent, how its answers and errors read, where its credential goes and how it bills. Adapters are
 * pure mapping; the {@link VendorClient} does the HTTP, the lookup service the budget, retries and cache.
 */
export interface ProviderAdapter {
  /** Adapter id used in the vendors config, e.g. `pdl-person`. */
  readonly kind: string;
  /** One line for `--help` and errors. */
  readonly description: string;
  /** Platform fields this vendor can answer (`GROUP_FIELDS` names). */
  readonly fields: readonly string[];
  readonly auth: AuthPlacement;
  /** The vendor's public API root (none for the platform's own providers: mock-enrichment's URL is used). */
  readonly publicBaseUrl?: string;
  /** Default `provider` provenance of its fields. */
  readonly label: string;
  /** How the vendor bills, as its pricing page says (a vendors config may set its own figures). */
  readonly defaultCost: VendorCost;
  /** What identifies `record` at this vendor, or undefined when the record lacks what it needs (no call). */
  request(record: CustomerRecord): RequestBody | undefined;
  /** The HTTP call for that request. */
  call(request: RequestBody): VendorCall;
  /**
   * Reads a reply: undefined when the status says it all (2xx → {@link read}, 404 not found, 401/403
   * bad credentials, 402 out of credits, 429 rate limited after Retry-After, other 4xx rejected, 5xx
   * unavailable), else what the vendor means by it.
   */
  classify?(reply: VendorReply, now: number): VendorSignal | undefined;
  /** Reads a 2xx body (parsed JSON) received at `now`. Throws when it is not what the vendor documents. */
  read(body: unknown, now: Date): VendorAnswer;
}
