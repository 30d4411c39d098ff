import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';

/**
 * How long a client may take, chosen per app rather than left to Node's defaults (which let a
 * request's headers take 60 s, its whole body 5 minutes, and an idle connection stay forever).
 */
export interface ServerTimeouts {
  /** Time to receive a request's headers, in ms: a client that trickles them in is cut off. */
  headersMs: number;
  /** Time to receive a whole request, body included, in ms (uploads: size it for the largest file). */
  requestMs: number;
  /** A connection that sends or receives nothing for this long is closed, in ms. */
  idleMs: number;
  /** Idle keep-alive connections are closed after this long, in ms. */
  keepAliveMs?: number;
  /** How often Node checks the headers and request timeouts, in ms (they can fire this much late). */
  checkEveryMs?: number;
}

/** Timeouts for an API whose requests are small: a few seconds for everything. */
export const SMALL_REQUEST_TIMEOUTS: ServerTimeouts = { headersMs: 10_000, requestMs: 30_000, idleMs: 30_000 };

/**
 * Starts an HTTP server for `app` with deliberate timeouts (see {@link ServerTimeouts}) and resolves
 * once it listens. A connection past a timeout is answered 408 where it can be, or closed.
 */
export async function listen(app: RequestListener, port: number, host: string, timeouts: ServerTimeouts): Promise<Server> {
  const server = createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      keepAliveTimeout: timeouts.keepAliveMs ?? 5_000,
      connectionsCheckingInterval: timeouts.checkEveryMs ?? Math.min(5_000, timeouts.headersMs),
    },
    app,
  );
  server.setTimeout(timeouts.idleMs, (socket) => socket.destroy());
  server.listen(port, host);
  await once(server, 'listening');
  return server;
}
