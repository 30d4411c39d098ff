import { createDataKeyCache } from '@enrich/codec';
import { exitWithHelpIfAsked } from '@enrich/config';
import { closeServer, createLogger, createMetricsRegistry, keyProviderCallsMetric, listen, nextShutdownSignal, SMALL_REQUEST_TIMEOUTS } from '@enrich/http';
import { createCodecServerApp } from './app';
import { codecAuthenticator } from './auth/authenticator';
import { NamespaceCodecs } from './codec/namespace-codecs';
import { codecServerEnvSchema, loadCodecServerConfig } from './config';

async function main(): Promise<void> {
  exitWithHelpIfAsked(
    'codec-server',
    'Codec server for the Temporal Web UI and CLI: decodes payloads for authenticated callers, by role (pii opens sealed personal fields, ops sees them sealed). It never starts without authentication unless CODEC_AUTH_DISABLED=true.',
    codecServerEnvSchema,
  );
  const config = loadCodecServerConfig();
  const logger = createLogger({ service: 'codec-server', level: config.logLevel });
  const keys = createDataKeyCache(config.codec);
  const metrics = createMetricsRegistry('codec-server');
  keyProviderCallsMetric(metrics, keys.providerCalls);
  try {
    const app = createCodecServerApp({
      authenticator: codecAuthenticator(config.auth),
      codecs: new NamespaceCodecs(config.codec, keys),
      corsOrigins: config.cors.origins,
      maxBodyBytes: config.maxBodyBytes,
      logger,
      metrics,
      readiness: { keys: async () => keys.provider.check?.() },
    });
    // Small JSON requests only: seconds are plenty for any of them.
    const server = await listen(app, config.http.port, config.http.host, SMALL_REQUEST_TIMEOUTS);
    logger.info(
      {
        address: server.address(),
        keyProvider: config.codec.keyProvider.kind,
        auth: config.auth.disabled ? 'DISABLED (every caller is ops)' : { tokens: config.auth.tokens.length, jwks: config.auth.jwt?.jwksUrl ?? null },
        corsOrigins: config.cors.origins,
      },
      'codec-server listening',
    );
    if (config.auth.disabled)
      logger.warn('CODEC_AUTH_DISABLED=true: anyone who reaches this port can decode payloads (sealed fields stay sealed). Development only.');

    const signal = await nextShutdownSignal();
    logger.info({ signal }, 'shutting down');
    // In-flight requests get the default grace period, then their connections are cut.
    await closeServer(server);
  } finally {
    // Zero the cached plain data keys.
    keys.clear();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `codec-server failed: ${error.message}` : error);
  process.exit(1);
});
