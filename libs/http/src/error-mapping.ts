import { HttpError } from './http-error';

/** The shape of errors thrown by express's body parsers (`http-errors` with a `type`). */
export interface BodyParserError {
  /** HTTP status body-parser chose (400 for bad JSON, 413 for too large, 415 for a bad charset…). */
  status: number;
  /** body-parser's error type, e.g. `entity.parse.failed` or `entity.too.large`. */
  type: string;
  /** body-parser's own message; never contains the body. */
  message: string;
}

/** Whether `error` was thrown by an express body parser ({@link BodyParserError}). */
export function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as Partial<BodyParserError>).status === 'number' &&
    typeof (error as Partial<BodyParserError>).type === 'string'
  );
}

/**
 * How {@link createErrorMapper} answers each kind of error that is not already an {@link HttpError}.
 * The defaults are in {@link defaultErrorMapping}.
 */
export interface ErrorMapping {
  /** body-parser `entity.parse.failed`: the body is not valid JSON. */
  invalidJson(error: BodyParserError): HttpError;
  /** body-parser `entity.too.large`: the body exceeds the parser's `limit`. */
  tooLarge(error: BodyParserError): HttpError;
  /** Any other body-parser error with a 4xx status. */
  clientError(error: BodyParserError): HttpError;
  /** Everything else: a 500 that must not leak internals. */
  internal(error: unknown): HttpError;
}

/**
 * The default {@link ErrorMapping}: 400 `invalid_json`, 413 `too_large`, `invalid_request` with
 * body-parser's status, and 500 `internal` pointing at the `x-request-id` header.
 */
export const defaultErrorMapping: Readonly<ErrorMapping> = {
  // Messages are body-parser's own ("request entity too large"), never the body's content.
  invalidJson: (error) => new HttpError(400, 'invalid_json', 'The request body is not valid JSON.', {}, {}, { cause: error }),
  tooLarge: (error) => new HttpError(413, 'too_large', `The request body is larger than this server accepts (${error.message}).`, {}, {}, { cause: error }),
  clientError: (error) => new HttpError(error.status, 'invalid_request', error.message, {}, {}, { cause: error }),
  internal: (error) => new HttpError(500, 'internal', 'Internal error; the request id is in the x-request-id header.', {}, {}, { cause: error }),
};

/**
 * Builds the function that maps any error to an {@link HttpError}: an `HttpError` is kept as is,
 * body-parser failures and unexpected errors are answered as `mapping` (over {@link defaultErrorMapping}) says.
 */
export function createErrorMapper(mapping: Partial<ErrorMapping> = {}): (error: unknown) => HttpError {
  const { invalidJson, tooLarge, clientError, internal } = { ...defaultErrorMapping, ...mapping };
  return (error) => {
    if (error instanceof HttpError) return error;
    if (isBodyParserError(error)) {
      if (error.type === 'entity.parse.failed') return invalidJson(error);
      if (error.type === 'entity.too.large') return tooLarge(error);
      if (error.status >= 400 && error.status < 500) return clientError(error);
    }
    return internal(error);
  };
}
