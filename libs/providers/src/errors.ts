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

/**
 * 401/403: the vendor refuses our credentials. Every call would fail the same way, so the vendor is
 * switched off in this process (no retry storm) and the rows it would have served say why.
 */
export class ProviderConfigurationError extends ProviderError {
  override readonly name = 'ProviderConfigurationError';
  constructor(
    message: string,
    provider: string,
    readonly status: number,
  ) {
    super(message, provider);
  }
}

/**
 * 402 or the vendor's own "out of credits": the account can pay for no more calls. The vendor is
 * paused for `retryAfterMs` (rows wanting it wait; no call is made meanwhile), then tried again.
 */
export class ProviderOutOfCreditsError extends ProviderError {
  override readonly name = 'ProviderOutOfCreditsError';
  constructor(
    message: string,
    provider: string,
    readonly retryAfterMs: number,
  ) {
    super(message, provider);
  }
}

/** A 2xx whose body is not what the vendor documents: recorded against the row, not retried. */
export class ProviderMalformedAnswerError extends ProviderError {
  override readonly name = 'ProviderMalformedAnswerError';
}
