import { Agent, request, type Dispatcher } from 'undici';
import { ProviderRateLimitedError, ProviderRejectedError, ProviderUnavailableError } from './provider-errors';

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

const DEFAULT_RETRY_AFTER_MS = 1_000;

/** Shared pooled HTTP agent for provider calls. */
export const providerAgent = new Agent({ connections: 128, keepAliveTimeout: 10_000, pipelining: 1 });

/**
 * POSTs a JSON lookup to a provider and classifies the answer: 2xx found, 404 not found, 429 rate
 * limited, other 4xx rejected, 5xx/timeouts/network errors unavailable.
 */
export async function postLookup<T>(
  provider: string,
  path: string,
  payload: unknown,
  options: HttpProviderOptions,
  signal?: AbortSignal,
): Promise<LookupResponse<T>> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  let response: Dispatcher.ResponseData;
  try {
    response = await request(`${options.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...options.headers },
      body: JSON.stringify(payload),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      dispatcher: options.dispatcher ?? providerAgent,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    const reason = timeout.aborted ? `timed out after ${options.timeoutMs} ms` : (error as Error).message;
    throw new ProviderUnavailableError(`${provider}: ${reason}`, provider, { cause: error });
  }
  const { statusCode } = response;
  if (statusCode >= 200 && statusCode < 300) return { found: true, body: (await response.body.json()) as T };
  const detail = await errorDetail(response);
  if (statusCode === 404) return { found: false };
  if (statusCode === 429) {
    throw new ProviderRateLimitedError(`${provider}: rate limited (429)${detail}`, provider, retryAfterMs(response.headers['retry-after']));
  }
  if (statusCode >= 400 && statusCode < 500) {
    throw new ProviderRejectedError(`${provider}: request rejected (${statusCode})${detail}`, provider, statusCode);
  }
  throw new ProviderUnavailableError(`${provider}: unavailable (${statusCode})${detail}`, provider);
}

async function errorDetail(response: Dispatcher.ResponseData): Promise<string> {
  const text = await response.body.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { message?: unknown };
    return typeof body.message === 'string' ? `: ${body.message}` : '';
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
