import { createErrorMapper, errorMiddleware, HttpError, unknownRoute, type BodyParserError } from '@enrich/http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Issue } from './knobs';

/** 400: the body, a parameter or the `x-mock-knobs` header is invalid; `issues` name the fields. */
export class InvalidRequestError extends HttpError {
  override readonly name = 'InvalidRequestError';

  constructor(
    readonly issues: readonly Issue[],
    message = 'The request is invalid.',
    options?: { cause?: unknown },
  ) {
    super(400, 'invalid_request', message, { issues }, {}, options);
  }
}

/** 404: the provider does not know this record (decided by the record hash, so always the same). */
export class RecordNotFoundError extends HttpError {
  override readonly name = 'RecordNotFoundError';

  constructor(provider: string) {
    super(404, 'not_found', `${provider} has no record matching this request.`);
  }
}

/** 404: no provider by that name is simulated. */
export class UnknownProviderError extends HttpError {
  override readonly name = 'UnknownProviderError';

  constructor(name: string, known: readonly string[]) {
    super(404, 'unknown_provider', `No mock provider named "${name}".`, { providers: known });
  }
}

/** 404: no route matches the method and path. */
export class RouteNotFoundError extends HttpError {
  override readonly name = 'RouteNotFoundError';

  constructor(method: string, path: string) {
    super(404, 'route_not_found', `No route for ${method} ${path}.`);
  }
}

/** 429: the provider's token bucket is empty; `Retry-After` says when a token will be back. */
export class RateLimitedError extends HttpError {
  override readonly name = 'RateLimitedError';

  constructor(provider: string, retryAfterSeconds: number) {
    super(
      429,
      'rate_limited',
      `${provider} rate limit exceeded; retry after ${retryAfterSeconds}s.`,
      { retry_after_seconds: retryAfterSeconds },
      { 'Retry-After': String(retryAfterSeconds) },
    );
  }
}

/** 503: a simulated transient outage; a retry may succeed. */
export class ProviderUnavailableError extends HttpError {
  override readonly name = 'ProviderUnavailableError';

  constructor(provider: string) {
    super(503, 'provider_unavailable', `${provider} is temporarily unavailable; retry later.`);
  }
}

/** A body-parser 4xx other than bad JSON, named after its type (`entity.too.large` → `entity_too_large`). */
const bodyParserAnswer = (error: BodyParserError): HttpError =>
  new HttpError(error.status, error.type.replace(/[^a-z]+/gi, '_'), error.message, {}, {}, { cause: error });

/**
 * Maps any error to an {@link HttpError}: body-parser failures become 400/413/415 answers,
 * anything unexpected a 500 that does not leak internals.
 */
export const toHttpError: (error: unknown) => HttpError = createErrorMapper({
  invalidJson: (error) => new InvalidRequestError([{ path: '', message: 'body is not valid JSON' }], 'The request body is not valid JSON.', { cause: error }),
  tooLarge: bodyParserAnswer,
  clientError: bodyParserAnswer,
  internal: (error) => new HttpError(500, 'internal_error', 'Unexpected error in the mock server.', {}, {}, { cause: error }),
});

/** Answers every unmatched route with a JSON 404. */
export const routeNotFound: RequestHandler = unknownRoute((method, path) => new RouteNotFoundError(method, path));

/**
 * The one error middleware: every error becomes `{ error, message, ... }` with its status and headers.
 * Only unexpected errors are logged: simulated 503s are what this server is for.
 */
export const errorHandler: ErrorRequestHandler = errorMiddleware({
  toHttpError,
  shouldLog: (httpError) => httpError.status >= 500 && httpError.code === 'internal_error',
});
