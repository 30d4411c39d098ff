import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { requestLogging } from '@enrich/http';
import { errorMiddleware, unknownRoute } from './http/error-middleware';
import { jobsRouter } from './jobs/jobs.route';
import type { JobsService } from './jobs/jobs.service';
import { openApiDocument } from './openapi';

export interface GatewayAppDeps {
  jobs: JobsService;
  logger: Logger;
  maxUploadBytes: number;
}

/** The gateway's express app: /v1 routes, health, OpenAPI, one error middleware. */
export function createGatewayApp({ jobs, logger, maxUploadBytes }: GatewayAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(helmet());
  // Any caller-given x-request-id is kept as is.
  app.use(requestLogging({ logger, requestIds: { accept: () => true } }));
  const document = openApiDocument();
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use('/v1/jobs', jobsRouter(jobs, maxUploadBytes));
  app.use(unknownRoute);
  app.use(errorMiddleware);
  return app;
}
