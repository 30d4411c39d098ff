/**
 * How a provider call can fail. The split matters: unavailable and rate-limited calls are retried
 * (with backoff, honouring Retry-After); a rejected request would fail the same way again, so the
 * row is recorded as failed with the provider's reason instead.
 */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly provider: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** 5xx, timeout or network failure: worth retrying. */
export class ProviderUnavailableError extends ProviderError {
  override readonly name = 'ProviderUnavailableError';
}

/** 429: retry after `retryAfterMs`. */
export class ProviderRateLimitedError extends ProviderError {
  override readonly name = 'ProviderRateLimitedError';
  constructor(
    message: string,
    provider: string,
    readonly retryAfterMs: number,
  ) {
    super(message, provider);
  }
}

/** Any other 4xx: the request itself is wrong for this provider; retrying cannot help. */
export class ProviderRejectedError extends ProviderError {
  override readonly name = 'ProviderRejectedError';
  constructor(
    message: string,
    provider: string,
    readonly status: number,
  ) {
    super(message, provider);
  }
}

export function isRetryable(error: unknown): error is ProviderUnavailableError | ProviderRateLimitedError {
  return error instanceof ProviderUnavailableError || error instanceof ProviderRateLimitedError;
}
