import { once } from 'node:events';
import type { Server } from 'node:http';
import { createDataKeyCache } from '@enrich/codec';
import { loadCodecServerConfig } from '@enrich/config';
import pino from 'pino';
import { createCodecServerApp } from './app';
import { Authenticator } from './auth/authenticator';
import { NamespaceCodecs } from './codec/namespace-codecs';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadCodecServerConfig();
  const logger = pino({ name: 'codec-server', level: config.logLevel });
  const keys = createDataKeyCache(config.codec);
  try {
    const app = createCodecServerApp({
      authenticator: new Authenticator(config.auth),
      codecs: new NamespaceCodecs(config.codec, keys),
      corsOrigins: config.cors.origins,
      maxBodyBytes: config.maxBodyBytes,
      logger,
    });
    const server = app.listen(config.http.port, config.http.host);
    await once(server, 'listening');
    logger.info(
      {
        address: server.address(),
        keyProvider: config.codec.keyProvider.kind,
        auth: config.auth.disabled ? 'DISABLED (every caller is ops)' : { tokens: config.auth.tokens.length, jwks: config.auth.jwt?.jwksUrl ?? null },
        corsOrigins: config.cors.origins,
      },
      'codec-server listening',
    );
    if (config.auth.disabled) logger.warn('CODEC_AUTH_DISABLED=true: anyone who reaches this port can decode payloads (sealed fields stay sealed). Development only.');

    const signal = await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    logger.info({ signal }, 'shutting down');
    await close(server);
  } finally {
    // Zero the cached plain data keys.
    keys.clear();
  }
}

/** Stops accepting connections, lets in-flight requests finish, then cuts whatever is left. */
function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `codec-server failed: ${error.message}` : error);
  process.exit(1);
});
