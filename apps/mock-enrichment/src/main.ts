import { once } from 'node:events';
import type { Server } from 'node:http';
import { loadMockEnrichmentConfig } from '@enrich/config';
import pino from 'pino';
import { createMockEnrichmentApp } from './app';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadMockEnrichmentConfig();
  const logger = pino({ name: 'mock-enrichment', level: config.logLevel });
  const { app } = createMockEnrichmentApp({ seed: config.seed, defaultKnobs: config.defaultKnobs, logger });

  const server = app.listen(config.http.port, config.http.host);
  await once(server, 'listening');
  logger.info({ address: server.address(), seed: config.seed, knobs: config.defaultKnobs }, 'mock-enrichment listening');

  const signal = await nextSignal(['SIGINT', 'SIGTERM']);
  logger.info({ signal }, 'shutting down');
  await close(server);
  logger.info('stopped');
}

/** Resolves on the first of `signals`; a second one then gets Node's default (immediate exit). */
function nextSignal(signals: readonly NodeJS.Signals[]): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    for (const signal of signals) process.once(signal, () => resolve(signal));
  });
}

/** Stops accepting connections, lets in-flight lookups finish, then cuts whatever is left. */
function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
  });
}

main().catch((error: unknown) => {
  pino({ name: 'mock-enrichment' }).fatal({ err: error }, 'mock-enrichment failed');
  process.exitCode = 1;
});
