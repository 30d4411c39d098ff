import { type CustomerRecord, type EnrichedField, normalizeConfidence } from '@enrich/domain';
import type { Dispatcher } from 'undici';
import type { ProviderAdapter, RequestBody, VendorSignal } from './adapter';
import {
  ProviderConfigurationError,
  ProviderMalformedAnswerError,
  ProviderOutOfCreditsError,
  ProviderRateLimitedError,
  ProviderUnavailableError,
} from './errors';
import { errorDetail, httpFailure, sendVendorRequest, type VendorHttpRequest, type VendorReply } from './http';

/** What a lookup provider answered: fields with provenance, or no record. */
export type ProviderLookup = { kind: 'found'; fields: EnrichedField[] } | { kind: 'not_found'; provider: string };

/** How long a vendor out of credits is left alone before it is tried again. */
export const DEFAULT_OUT_OF_CREDITS_PAUSE_MS = 5 * 60_000;

export interface VendorClientOptions {
  /** Registry name: the waterfall, the rate budget, the cache and the stats know the vendor by it. */
  name: string;
  adapter: ProviderAdapter;
  /** Base URL of the vendor (or of the mock speaking its format), without a trailing slash. */
  baseUrl: string;
  /** The credential, placed where the adapter says; never logged. */
  apiKey?: string;
  timeoutMs: number;
  /** Extra headers on every call (`x-mock-knobs` in tests). */
  headers?: Record<string, string>;
  dispatcher?: Dispatcher;
  outOfCreditsPauseMs?: number;
  now?: () => Date;
}

/**
 * Calls one vendor through its adapter and turns every answer into a lookup or one of the errors of
 * `errors.ts`: found, not found, bad credentials, out of credits, rate limited (after the vendor's
 * reset), rejected, unavailable or malformed.
 */
export class VendorClient {
  private readonly now: () => Date;

  constructor(private readonly options: VendorClientOptions) {
    this.now = options.now ?? (() => new Date());
  }

  get name(): string {
    return this.options.name;
  }

  request(record: CustomerRecord): RequestBody | undefined {
    return this.options.adapter.request(record);
  }

  async lookup(record: CustomerRecord, signal?: AbortSignal): Promise<ProviderLookup> {
    const { adapter, name } = this.options;
    const request = adapter.request(record);
    if (!request) return { kind: 'not_found', provider: name };
    const reply = await sendVendorRequest(name, this.httpCall(request), this.options, signal);
    const signalled = adapter.classify?.(reply, this.now().getTime());
    if (signalled) return this.signalled(signalled);
    if (reply.status >= 200 && reply.status < 300) return this.read(reply);
    if (reply.status === 404) return { kind: 'not_found', provider: name };
    if (reply.status === 401 || reply.status === 403) throw this.badCredentials(errorDetail(reply.text).slice(2) || 'credentials refused', reply.status);
    if (reply.status === 402) throw this.outOfCredits(`402${errorDetail(reply.text)}`);
    throw httpFailure(name, reply);
  }

  /** The HTTP request for `request`, credential in place. */
  httpCall(request: RequestBody): VendorHttpRequest {
    const { adapter, baseUrl, apiKey, headers } = this.options;
    const call = adapter.call(request);
    const url = new URL(`${baseUrl}${call.path}`);
    for (const [key, value] of Object.entries(call.query ?? {})) if (value !== undefined && value !== '') url.searchParams.set(key, value);
    const sent: Record<string, string> = { accept: 'application/json', ...headers };
    if (apiKey) {
      const { auth } = adapter;
      if (auth.in === 'header') sent[auth.name.toLowerCase()] = apiKey;
      if (auth.in === 'query') url.searchParams.set(auth.name, apiKey);
      if (auth.in === 'bearer') sent.authorization = `Bearer ${apiKey}`;
    }
    if (call.body !== undefined) sent['content-type'] = 'application/json';
    return { method: call.method, url: url.toString(), headers: sent, body: call.body === undefined ? undefined : JSON.stringify(call.body) };
  }

  private signalled(signalled: VendorSignal): ProviderLookup {
    const { name } = this.options;
    switch (signalled.kind) {
      case 'not_found':
        return { kind: 'not_found', provider: name };
      case 'out_of_credits':
        throw this.outOfCredits(signalled.message);
      case 'bad_credentials':
        throw this.badCredentials(signalled.message, 401);
      case 'rate_limited':
        throw new ProviderRateLimitedError(`${name}: rate limited: ${signalled.message}`, name, signalled.retryAfterMs);
      case 'retry_later':
        throw new ProviderUnavailableError(`${name}: not answered yet: ${signalled.message}`, name);
    }
  }

  private read(reply: VendorReply): ProviderLookup {
    const { adapter, name } = this.options;
    const now = this.now();
    let answer: ReturnType<ProviderAdapter['read']>;
    try {
      answer = adapter.read(JSON.parse(reply.text), now);
    } catch (error) {
      // JSON.parse quotes the body in its message, and a body may hold personal data: say only what kind of fault it was.
      const fault = error instanceof SyntaxError ? 'not valid JSON' : (error as Error).message;
      throw new ProviderMalformedAnswerError(`${name}: malformed answer (${reply.status}): ${fault}`, name, { cause: error });
    }
    if (answer.kind === 'not_found') return { kind: 'not_found', provider: name };
    const fetchedAt = now.toISOString();
    const confidence = normalizeConfidence(answer.confidence);
    const provider = answer.label ?? adapter.label;
    const fields = adapter.fields
      .filter((field) => answer.attributes[field] !== undefined)
      .map((field) => ({ field, value: answer.attributes[field] ?? null, provider, confidence, fetchedAt }));
    return fields.length > 0 ? { kind: 'found', fields } : { kind: 'not_found', provider: name };
  }

  private badCredentials(message: string, status: number): ProviderConfigurationError {
    const { name, adapter } = this.options;
    return new ProviderConfigurationError(
      `${name}: credentials refused (${status}): ${message}. Check the API key of vendor "${name}" (${adapter.kind}); it is not called again until the worker restarts`,
      name,
      status,
    );
  }

  private outOfCredits(message: string): ProviderOutOfCreditsError {
    const { name } = this.options;
    const pause = this.options.outOfCreditsPauseMs ?? DEFAULT_OUT_OF_CREDITS_PAUSE_MS;
    return new ProviderOutOfCreditsError(`${name}: out of credits (${message}); paused for ${Math.round(pause / 1_000)} s, add credits to resume`, name, pause);
  }
}
