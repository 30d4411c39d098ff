import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import pino, { type Logger } from 'pino';
import { pinoHttp, type Options } from 'pino-http';

/** The request id header read from callers and set on every answer. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller's request id that is safe to log and echo: 1-128 letters, digits, `_`, `.` or `-`. */
export const SAFE_REQUEST_ID = /^[\w.-]{1,128}$/;

/** How {@link requestLogging} names requests. */
export interface RequestIdOptions {
  /** Whether a caller's `x-request-id` is kept; otherwise a random UUID is used. Defaults to {@link SAFE_REQUEST_ID}. */
  accept?: (given: string) => boolean;
}

/** What {@link requestLogging} takes: pino-http's options, with the logger optional and request ids as policy. */
export type RequestLoggingOptions = Omit<Options<IncomingMessage, ServerResponse, never>, 'logger' | 'genReqId'> & {
  /** Request logs go here; silent when omitted. */
  logger?: Logger;
  /**
   * `x-request-id` handling: the caller's id when accepted, else a random UUID, echoed in the
   * response header (default). `false`: pino-http's own counter, and no header.
   */
  requestIds?: RequestIdOptions | false;
};

/** Request headers never written to a log: they carry credentials. */
export const SECRET_HEADERS = ['authorization', 'cookie', 'x-api-key', 'proxy-authorization'];

/**
 * pino-http request logging (`req.log` for handlers, one line per finished request), with request
 * ids taken from or given in the `x-request-id` header. Credentials in the headers
 * ({@link SECRET_HEADERS}) are logged as `[redacted]`, whatever logs the request.
 */
export function requestLogging({ logger, requestIds = {}, ...options }: RequestLoggingOptions = {}): RequestHandler {
  const genReqId =
    requestIds === false
      ? undefined
      : (req: IncomingMessage, res: ServerResponse): string => {
          const accept = requestIds.accept ?? ((given: string) => SAFE_REQUEST_ID.test(given));
          const given = req.headers[REQUEST_ID_HEADER];
          const id = typeof given === 'string' && accept(given) ? given : randomUUID();
          res.setHeader(REQUEST_ID_HEADER, id);
          return id;
        };
  // `never`: no custom levels, which pino-http would otherwise infer as `string` and reject pino's Logger.
  return pinoHttp<IncomingMessage, ServerResponse, never>({
    ...options,
    serializers: { req: withoutSecrets, ...options.serializers },
    logger: logger ?? pino({ level: 'silent' }),
    ...(genReqId === undefined ? {} : { genReqId }),
  });
}

/** pino's request serializer, with the credentials of the headers redacted. */
function withoutSecrets(req: IncomingMessage): unknown {
  const serialized = pino.stdSerializers.req(req);
  const headers = { ...serialized.headers };
  for (const name of SECRET_HEADERS) if (headers[name] !== undefined) headers[name] = '[redacted]';
  return { ...serialized, headers };
}
