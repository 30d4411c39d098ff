/**
 * An error that is an HTTP answer: status, machine-readable `code`, extra body fields and headers.
 * The one error middleware renders it as `{ error: code, message, ...details }`.
 */
export class HttpError extends Error {
  override readonly name: string = 'HttpError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
    readonly headers: Readonly<Record<string, string>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** 400: the body is not a valid codec request; the message names the problem. */
export const badRequest = (code: string, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }): HttpError =>
  new HttpError(400, code, message, details, {}, options);

/** 401 with the `WWW-Authenticate` challenge RFC 6750 asks for. */
export const unauthorized = (message: string, options?: { cause?: unknown }): HttpError =>
  new HttpError(401, 'unauthorized', message, {}, { 'WWW-Authenticate': 'Bearer realm="codec-server"' }, options);

/** 403: authenticated, but not allowed. */
export const forbidden = (message: string): HttpError => new HttpError(403, 'forbidden', message);
