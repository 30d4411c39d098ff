import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { HttpError } from './http-error';

/** 404 for any route no router claimed. */
export const unknownRoute: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`));
};

/**
 * The one place errors become responses: `{ error, message, ...details }`. Validation errors name
 * the field; unexpected errors are logged with the request and answered without internals.
 */
export const errorMiddleware: ErrorRequestHandler = (error: unknown, req, res, _next) => {
  if (error instanceof HttpError) {
    res.status(error.status).json({ error: error.code, message: error.message, ...error.details });
    return;
  }
  if (error instanceof ZodError) {
    const issues = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    res.status(400).json({ error: 'invalid_request', message: issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues });
    return;
  }
  const status = (error as { status?: number; statusCode?: number }).status ?? (error as { statusCode?: number }).statusCode;
  if (status && status >= 400 && status < 500) {
    // body-parser and friends: malformed JSON, payload too large.
    res.status(status).json({ error: 'invalid_request', message: (error as Error).message });
    return;
  }
  req.log?.error({ err: error }, 'unhandled error');
  res.status(500).json({ error: 'internal', message: 'internal error; the request id is in the x-request-id header' });
};
