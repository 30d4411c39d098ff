import type { ErrorRequestHandler, RequestHandler } from 'express';
import { createErrorMapper } from './error-mapping';
import type { HttpError } from './http-error';
// Types only: `req.log`, added to requests by pino-http (see `requestLogging`).
import type {} from 'pino-http';

/** What {@link errorMiddleware} does with an error. */
export interface ErrorMiddlewareOptions {
  /** Maps any error to the answer; defaults to `createErrorMapper()`. */
  toHttpError?: (error: unknown) => HttpError;
  /**
   * Whether the error is logged (at `error`, with the request, by `req.log`); defaults to every
   * answer with a 5xx status. `error` is what was thrown, `httpError` the answer made of it.
   */
  shouldLog?: (httpError: HttpError, error: unknown) => boolean;
}

/**
 * The one place errors become responses: status, the error's headers, and the body
 * `{ error: code, message, ...details }`. After the headers went out, the error is passed on to
 * express, which cuts the connection.
 */
export function errorMiddleware({
  toHttpError = createErrorMapper(),
  shouldLog = (httpError) => httpError.status >= 500,
}: ErrorMiddlewareOptions = {}): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    const httpError = toHttpError(error);
    if (shouldLog(httpError, error)) req.log?.error({ err: error }, 'unhandled error');
    if (res.headersSent) {
      next(error);
      return;
    }
    res
      .status(httpError.status)
      .set(httpError.headers)
      .json({ error: httpError.code, message: httpError.message, ...httpError.details });
  };
}

/**
 * Answers any route no router claimed by passing `toError(method, path)` (typically a 404
 * {@link HttpError}) to the error middleware; register it after every router.
 */
export function unknownRoute(toError: (method: string, path: string) => HttpError): RequestHandler {
  return (req, _res, next) => {
    next(toError(req.method, req.path));
  };
}
