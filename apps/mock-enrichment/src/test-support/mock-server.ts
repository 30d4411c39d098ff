import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createMockEnrichmentApp, type MockEnrichmentApp, type MockEnrichmentAppOptions } from '../app';
import type { Knobs } from '../knobs';

/** Every knob at rest: no latency, failures, unknown records or rate limit. */
export const QUIET: Knobs = { latencyMs: 0, jitterMs: 0, failureRate: 0, notFoundRate: 0, rateLimitPerSecond: 0 };

/** The key the vendors accept unless a test configures another. */
export const VENDOR_KEY = 'mock-vendor-key';

/** A mock server listening on an ephemeral port, and a supertest agent talking to it over real HTTP. */
export interface RunningMock extends MockEnrichmentApp {
  http: TestAgent;
  server: Server;
}

const servers: Server[] = [];

/** Starts the app (quiet knobs, unless given) on 127.0.0.1 and an ephemeral port. Close with {@link stopMocks}. */
export async function startMock(options: Partial<Omit<MockEnrichmentAppOptions, 'defaultKnobs'>> & { knobs?: Partial<Knobs> } = {}): Promise<RunningMock> {
  const { knobs, seed, ...rest } = options;
  const mock = createMockEnrichmentApp({ seed: seed ?? 'vendor-seed', defaultKnobs: { ...QUIET, ...knobs }, ...rest });
  const server = mock.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return { ...mock, server, http: request(`http://127.0.0.1:${port}`) };
}

/** Closes every server {@link startMock} started (for `afterAll`). */
export async function stopMocks(): Promise<void> {
  const closing = servers.splice(0);
  await Promise.all(
    closing.map(
      (server) =>
        new Promise<void>((resolve, reject) => {
          server.close((error) => (error ? reject(error) : resolve()));
          server.closeAllConnections();
        }),
    ),
  );
}

/** The part of superagent's node response a text parser reads. */
interface TextStream {
  setEncoding(encoding: BufferEncoding): unknown;
  on(event: 'data' | 'end', listener: (chunk: string) => void): unknown;
}

/**
 * A supertest parser that keeps the body as text (`res.body` is the raw string), for answers that
 * claim to be JSON but are not: `.buffer(true).parse(rawText)`.
 */
export function rawText(res: TextStream, callback: (error: Error | null, body: string) => void): void {
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    text += chunk;
  });
  res.on('end', () => callback(null, text));
}
