import {
  errorMiddleware,
  healthRoutes,
  HttpError,
  httpMetrics,
  metricsRoute,
  type ReadinessCheck,
  type Registry,
  requestLogging,
  unknownRoute,
} from '@enrich/http';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { Authenticator } from './auth/authenticator';
import type { NamespaceCodecs } from './codec/namespace-codecs';
import { corsPolicy } from './http/cors';
import { codecRoutes } from './routes/codec.route';

/** What {@link createCodecServerApp} needs; built by `main.ts` from `CodecServerConfig`. */
export interface CodecServerAppDeps {
  authenticator: Authenticator;
  codecs: NamespaceCodecs;
  /** Browser origins allowed by CORS (the Temporal Web UI's). */
  corsOrigins: readonly string[];
  /** Largest accepted body, in bytes. */
  maxBodyBytes: number;
  /** Request logs go here; silent when omitted. */
  logger?: Logger;
  /** HTTP metrics, served at /metrics; none: no metrics. */
  metrics?: Registry;
  /** What /ready asks (the key provider). */
  readiness?: Readonly<Record<string, ReadinessCheck>>;
}

/**
 * The codec server's express app: Temporal's remote codec protocol for the Web UI and CLI, behind
 * bearer auth and a CORS allowlist. It does not listen: `main.ts` binds the configured port, tests
 * port 0.
 */
export function createCodecServerApp({ authenticator, codecs, corsOrigins, maxBodyBytes, logger, metrics, readiness }: CodecServerAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(helmet());
  if (metrics) app.use(httpMetrics(metrics));
  app.use(
    // A caller's x-request-id is kept only when safe to log (letters, digits, `_.-`, at most 128).
    requestLogging({
      logger,
      // Only what is safe to keep: never headers (Authorization carries the token) nor bodies (payloads).
      serializers: {
        req: (req: { id: unknown; method: string; url: string; headers?: Record<string, unknown> }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
          namespace: req.headers?.['x-namespace'],
          origin: req.headers?.['origin'],
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, error) => (error !== undefined || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    }),
  );
  app.use(corsPolicy({ origins: corsOrigins }));
  app.use(healthRoutes({ checks: readiness }));
  if (metrics) app.get('/metrics', metricsRoute(metrics));
  app.use(codecRoutes({ authenticator, codecs, maxBodyBytes }));
  app.use(
    unknownRoute(
      (method, path) =>
        new HttpError(
          404,
          'not_found',
          `No route for ${method} ${path}; the codec routes are POST /encode, /decode, /{namespace}/encode and /{namespace}/decode.`,
        ),
    ),
  );
  // Body-parser failures: 400 invalid_json, 413 too_large; every 5xx is logged.
  app.use(errorMiddleware());
  return app;
}
