import { errorMiddleware as renderErrors, HttpError, unknownRoute as routeNotFound } from '@enrich/http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';

/** 404 for any route no router claimed. */
export const unknownRoute: RequestHandler = routeNotFound((method, path) => new HttpError(404, 'not_found', `no route for ${method} ${path}`));

/**
 * The gateway's answer to any error: an {@link HttpError} as is; validation errors name the field;
 * other 4xx (body-parser and friends: malformed JSON, payload too large) become `invalid_request`;
 * anything else a 500 without internals.
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof ZodError) {
    const issues = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    return new HttpError(400, 'invalid_request', issues.map((i) => `${i.path}: ${i.message}`).join('; '), { issues }, {}, { cause: error });
  }
  const status = (error as { status?: number; statusCode?: number }).status ?? (error as { statusCode?: number }).statusCode;
  if (status && status >= 400 && status < 500) {
    return new HttpError(status, 'invalid_request', (error as Error).message, {}, {}, { cause: error });
  }
  return new HttpError(500, 'internal', 'internal error; the request id is in the x-request-id header', {}, {}, { cause: error });
}

/**
 * The one place errors become responses: `{ error, message, ...details }`. Unexpected errors are
 * logged with the request.
 */
export const errorMiddleware: ErrorRequestHandler = renderErrors({
  toHttpError,
  shouldLog: (httpError, error) => !(error instanceof HttpError) && httpError.status >= 500,
});
