import type { ErrorRequestHandler, RequestHandler } from 'express';
import { HttpError } from './http-error';

/** The shape of errors thrown by express's body parser (`http-errors`). */
interface BodyParserError {
  status: number;
  type: string;
  message: string;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as Partial<BodyParserError>).status === 'number' &&
    typeof (error as Partial<BodyParserError>).type === 'string'
  );
}

/** Maps any error to an {@link HttpError}; unexpected ones become a 500 that leaks nothing. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (isBodyParserError(error)) {
    // Messages are body-parser's own ("request entity too large"), never the body's content.
    if (error.type === 'entity.parse.failed') return new HttpError(400, 'invalid_json', 'The request body is not valid JSON.', {}, {}, { cause: error });
    if (error.type === 'entity.too.large') return new HttpError(413, 'too_large', `The request body is larger than this server accepts (${error.message}).`, {}, {}, { cause: error });
    if (error.status >= 400 && error.status < 500) return new HttpError(error.status, 'invalid_request', error.message, {}, {}, { cause: error });
  }
  return new HttpError(500, 'internal', 'Internal error; the request id is in the x-request-id header.', {}, {}, { cause: error });
}

/** 404 for any route no router claimed. */
export const unknownRoute: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'not_found', `No route for ${req.method} ${req.path}; the codec routes are POST /encode, /decode, /{namespace}/encode and /{namespace}/decode.`));
};

/** The one place errors become responses: `{ error, message, ...details }`. */
export const errorMiddleware: ErrorRequestHandler = (error: unknown, req, res, next) => {
  const httpError = toHttpError(error);
  if (httpError.status >= 500) req.log.error({ err: error }, 'unhandled error');
  if (res.headersSent) {
    next(error);
    return;
  }
  res
    .status(httpError.status)
    .set(httpError.headers)
    .json({ error: httpError.code, message: httpError.message, ...httpError.details });
};
