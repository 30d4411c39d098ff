import express from 'express';
import type { Server } from 'node:http';
import type { Registry } from 'prom-client';
import { healthRoutes, type ReadinessCheck } from './health';
import { httpMetrics, metricsRoute } from './metrics';
import { listen, SMALL_REQUEST_TIMEOUTS } from '../listen';
import { errorMiddleware, unknownRoute } from '../error-middleware';
import { HttpError } from '../http-error';

export interface OpsServerOptions {
  host: string;
  /** 0: any free port (tests). */
  port: number;
  registry: Registry;
  checks?: Readonly<Record<string, ReadinessCheck>>;
}

/**
 * The operators' endpoint of a process that serves no HTTP of its own (the worker, the stream
 * consumer): `/health`, `/ready` and `/metrics`, nothing else.
 */
export async function startOpsServer({ host, port, registry, checks }: OpsServerOptions): Promise<Server> {
  const app = express();
  app.disable('x-powered-by');
  app.use(httpMetrics(registry));
  app.use(healthRoutes({ checks }));
  app.get('/metrics', metricsRoute(registry));
  app.use(
    unknownRoute((method, path) => new HttpError(404, 'not_found', `${method} ${path} does not exist here: this endpoint serves /health, /ready and /metrics`)),
  );
  app.use(errorMiddleware());
  return listen(app, port, host, SMALL_REQUEST_TIMEOUTS);
}
