/** An error with an HTTP status and a stable machine-readable code, rendered by the error middleware. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>) => new HttpError(400, code, message, details);
export const notFound = (message: string) => new HttpError(404, 'not_found', message);
