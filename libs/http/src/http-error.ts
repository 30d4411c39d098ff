/**
 * An error that is an HTTP answer: status, machine-readable `code`, extra body fields and headers.
 * The one error middleware ({@link errorMiddleware}) renders it as `{ error: code, message, ...details }`
 * with `headers` set on the response.
 */
export class HttpError extends Error {
  override readonly name: string = 'HttpError';

  /**
   * @param status - The HTTP status of the answer.
   * @param code - Stable machine-readable code, sent as the body's `error` field.
   * @param message - Human-readable explanation, sent as the body's `message` field.
   * @param details - Extra body fields, spread after `error` and `message`.
   * @param headers - Response headers to set (e.g. `Retry-After`, `WWW-Authenticate`).
   * @param options - `cause`: the error this one answers for (logged, never sent).
   */
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

/** 400 with the given `code`: the request is invalid; the message names the problem. */
export const badRequest = (code: string, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }): HttpError =>
  new HttpError(400, code, message, details, {}, options);

/** 404 `not_found`: the addressed resource does not exist. */
export const notFound = (message: string, details?: Record<string, unknown>): HttpError => new HttpError(404, 'not_found', message, details);

/** What {@link unauthorized} needs beyond the message. */
export interface UnauthorizedOptions {
  /** The `realm` of the `WWW-Authenticate: Bearer` challenge (RFC 6750). */
  realm: string;
  /** The error that made the credentials invalid (logged, never sent). */
  cause?: unknown;
}

/** 401 `unauthorized` with the `WWW-Authenticate: Bearer realm="…"` challenge RFC 6750 asks for. */
export const unauthorized = (message: string, { realm, cause }: UnauthorizedOptions): HttpError =>
  new HttpError(401, 'unauthorized', message, {}, { 'WWW-Authenticate': `Bearer realm="${realm}"` }, cause === undefined ? undefined : { cause });

/** 403 `forbidden`: authenticated, but not allowed. */
export const forbidden = (message: string): HttpError => new HttpError(403, 'forbidden', message);
