import type { Server } from 'node:http';

/** How long {@link closeServer} lets in-flight requests finish by default, in milliseconds. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/** What {@link closeServer} takes. */
export interface CloseServerOptions {
  /** How long in-flight requests may still run before their connections are cut, in milliseconds. */
  graceMs?: number;
}

/**
 * Stops accepting connections, closes idle keep-alive ones, lets in-flight requests finish, then
 * cuts whatever is left after the grace period. Resolves once the server is closed.
 */
export function closeServer(server: Server, { graceMs = DEFAULT_SHUTDOWN_GRACE_MS }: CloseServerOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close((error) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * Resolves with the first of `signals` the process receives. Its listeners are then removed, so a
 * second signal gets Node's default (immediate exit).
 */
export function nextShutdownSignal(signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const listeners = signals.map((signal) => {
      const listener = (): void => {
        for (const [s, l] of listeners) process.off(s, l);
        resolve(signal);
      };
      return [signal, listener] as const;
    });
    for (const [signal, listener] of listeners) process.once(signal, listener);
  });
}
