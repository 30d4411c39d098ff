import { exitWithHelpIfAsked } from '@enrich/config';
import { closeServer, createLogger, createMetricsRegistry, listen, nextShutdownSignal, SMALL_REQUEST_TIMEOUTS } from '@enrich/http';
import { createMockEnrichmentApp } from './app';
import { loadMockEnrichmentConfig, mockEnrichmentEnvSchema } from './config';

async function main(): Promise<void> {
  exitWithHelpIfAsked(
    'mock-enrichment',
    'Deterministic mock data providers (demographics, firmographics, email and phone finders, web search, crawl and extract) with latency, 5xx, 429 and 404 knobs for all or single providers, and simulated real vendors (People Data Labs, Hunter, Clearbit) in their own wire formats; calls are counted at /admin/stats.',
    mockEnrichmentEnvSchema,
  );
  const config = loadMockEnrichmentConfig();
  const logger = createLogger({ service: 'mock-enrichment', level: config.logLevel });
  const { app } = createMockEnrichmentApp({
    seed: config.seed,
    defaultKnobs: config.defaultKnobs,
    providerKnobs: config.providerKnobs,
    vendorApiKey: config.vendorApiKey,
    logger,
    metrics: createMetricsRegistry('mock-enrichment'),
  });

  // Small JSON requests only: seconds are plenty for any of them.
  const server = await listen(app, config.http.port, config.http.host, SMALL_REQUEST_TIMEOUTS);
  logger.info({ address: server.address(), seed: config.seed, knobs: config.defaultKnobs, providerKnobs: config.providerKnobs }, 'mock-enrichment listening');

  // A second signal gets Node's default (immediate exit).
  const signal = await nextShutdownSignal(['SIGINT', 'SIGTERM']);
  logger.info({ signal }, 'shutting down');
  // In-flight lookups get the default grace period, then their connections are cut.
  await closeServer(server);
  logger.info('stopped');
}

main().catch((error: unknown) => {
  createLogger({ service: 'mock-enrichment', level: 'info' }).fatal({ err: error }, 'mock-enrichment failed');
  process.exitCode = 1;
});
