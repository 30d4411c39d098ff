import type { IncomingHttpHeaders } from 'node:http';
import { Agent, request, type Dispatcher } from 'undici';
import { ProviderRateLimitedError, ProviderRejectedError, ProviderUnavailableError } from './errors';

export interface HttpProviderOptions {
  /** Base URL of the provider, without a trailing slash. */
  baseUrl: string;
  timeoutMs: number;
  /** Extra headers on every call (API keys; `x-mock-knobs` in tests). */
  headers?: Record<string, string>;
  /** Shared connection pool; one per process is plenty. */
  dispatcher?: Dispatcher;
}

/** Outcome of a lookup that reached the provider and got an answer it stands by. */
export type LookupResponse<T> = { found: true; body: T } | { found: false };

/** An HTTP answer of a vendor, read whole: its status, headers and body text. */
export interface VendorReply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface VendorHttpRequest {
  method: 'GET' | 'POST';
  /** Absolute URL, query string included. */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

const DEFAULT_RETRY_AFTER_MS = 1_000;
/** Bodies beyond this are cut (an answer is a few KB; a runaway one must not fill the heap). */
const MAX_BODY_BYTES = 1 << 20;

/** Shared pooled HTTP agent for provider calls. */
export const providerAgent = new Agent({ connections: 128, keepAliveTimeout: 10_000, pipelining: 1 });

/**
 * Sends one request to a vendor and reads the answer whole, whatever its status. A timeout or a
 * network failure is a {@link ProviderUnavailableError}; an abort through `signal` is rethrown as is.
 */
export async function sendVendorRequest(
  provider: string,
  call: VendorHttpRequest,
  options: { timeoutMs: number; dispatcher?: Dispatcher },
  signal?: AbortSignal,
): Promise<VendorReply> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await request(call.url, {
      method: call.method,
      headers: call.headers,
      body: call.body,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      dispatcher: options.dispatcher ?? providerAgent,
    });
    return { status: response.statusCode, headers: response.headers, text: await readText(response.body) };
  } catch (error) {
    if (signal?.aborted) throw error;
    const reason = timeout.aborted ? `timed out after ${options.timeoutMs} ms` : (error as Error).message;
    throw new ProviderUnavailableError(`${provider}: ${reason}`, provider, { cause: error });
  }
}

async function readText(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      break;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * POSTs a JSON lookup to a provider of the platform's own contract and classifies the answer: 2xx
 * found, 404 not found, 429 rate limited, other 4xx rejected, 5xx/timeouts/network errors unavailable.
 */
export async function postLookup<T>(
  provider: string,
  path: string,
  payload: unknown,
  options: HttpProviderOptions,
  signal?: AbortSignal,
): Promise<LookupResponse<T>> {
  const reply = await sendVendorRequest(
    provider,
    {
      method: 'POST',
      url: `${options.baseUrl}${path}`,
      headers: { 'content-type': 'application/json', accept: 'application/json', ...options.headers },
      body: JSON.stringify(payload),
    },
    options,
    signal,
  );
  if (reply.status >= 200 && reply.status < 300) return { found: true, body: JSON.parse(reply.text) as T };
  if (reply.status === 404) return { found: false };
  throw httpFailure(provider, reply);
}

/**
 * The error of a failed HTTP answer by its status alone: 429 rate limited (after Retry-After), any
 * other 4xx rejected, the rest unavailable. Vendors map their own statuses first.
 */
export function httpFailure(provider: string, reply: VendorReply, retryAfter = retryAfterMs(reply.headers['retry-after'])): Error {
  const detail = errorDetail(reply.text);
  const { status } = reply;
  if (status === 429) return new ProviderRateLimitedError(`${provider}: rate limited (429)${detail}`, provider, retryAfter);
  if (status >= 400 && status < 500) return new ProviderRejectedError(`${provider}: request rejected (${status})${detail}`, provider, status);
  return new ProviderUnavailableError(`${provider}: unavailable (${status})${detail}`, provider);
}

/** `: <message>` from a JSON error body (`message`, `error.message`, `errors[0].details`), else the start of the text. */
export function errorDetail(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: { message?: unknown }; errors?: Array<{ details?: unknown }> };
    const message = body.message ?? body.error?.message ?? body.errors?.[0]?.details;
    return typeof message === 'string' ? `: ${message}` : '';
  } catch {
    return text ? `: ${text.slice(0, 200)}` : '';
  }
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds, defaulting to one second. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return DEFAULT_RETRY_AFTER_MS;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.max(seconds * 1_000, 1);
  const date = Date.parse(value);
  return Number.isNaN(date) ? DEFAULT_RETRY_AFTER_MS : Math.max(date - now, 1);
}
