import type { FieldSealer } from '@enrich/codec';
import type { ApiKeyRepository, IdempotencyRepository, IdempotencyWindow, RateLimitRepository } from '@enrich/db';
import { authenticate, type BearerAuthenticator, healthRoutes, httpMetrics, metricsRoute, type ReadinessCheck, requestLogging } from '@enrich/http';
import type { Registry } from '@enrich/http';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { describePrincipal, type Principal } from './auth/principal';
import { idempotency } from './auth/idempotency';
import { rateLimit } from './auth/rate-limit';
import { docsRouter } from './docs';
import { errorMiddleware, unknownRoute } from './http/error-middleware';
import { jobsRoutes } from './jobs/jobs.route';
import type { JobsService } from './jobs/jobs.service';
import { keysRoutes } from './keys/keys.routes';
import { openApiDocument } from './openapi';
import { paymentsRoutes } from './payments/payments.routes';
import type { PaymentsService } from './payments/payments.service';
import { pushRequestsRoutes } from './requests/push-requests.routes';
import type { PushRequestsService } from './requests/push-requests.service';
import { mountApi, type ApiRoute } from './routes';
import { webhooksRoutes } from './webhooks/webhooks.routes';
import type { WebhooksService } from './webhooks/webhooks.service';

export interface GatewayAppDeps {
  jobs: JobsService;
  pushRequests: PushRequestsService;
  keys: ApiKeyRepository;
  /** The tenants' webhook endpoints and their deliveries. */
  webhooks: WebhooksService;
  /** The quarantine of payment events (admin): absent, its routes are neither served nor documented. */
  payments?: PaymentsService;
  /** Recognises API keys (and JWTs, when configured). */
  authenticator: BearerAuthenticator<Principal>;
  rateLimits: RateLimitRepository;
  /** Answers of POSTs sent with an Idempotency-Key, and how long they are kept. */
  idempotency: { store: IdempotencyRepository; window: IdempotencyWindow; sealer: Pick<FieldSealer, 'seal' | 'open'> };
  /** Requests per minute per key, for tenants without a limit of their own. */
  defaultRateLimit: number;
  logger: Logger;
  maxUploadBytes: number;
  /** Where the HTTP metrics go, served at /metrics; none: no metrics. */
  metrics?: Registry;
  /** What /ready asks (PostgreSQL, Temporal, the key provider); /health asks nothing. */
  readiness?: Readonly<Record<string, ReadinessCheck>>;
}

/** Largest JSON body of a /v1 request: a push request of 1,000 contacts fits with room to spare. */
const JSON_BODY_LIMIT = '2mb';

/** Every /v1 route the gateway serves: what is mounted, documented and covered by the auth tests. */
export function gatewayRoutes({
  jobs,
  pushRequests,
  keys,
  webhooks,
  payments,
  maxUploadBytes,
}: Pick<GatewayAppDeps, 'jobs' | 'pushRequests' | 'keys' | 'webhooks' | 'payments' | 'maxUploadBytes'>): ApiRoute[] {
  return [
    ...jobsRoutes(jobs, maxUploadBytes),
    ...pushRequestsRoutes(pushRequests, jobs),
    ...keysRoutes(keys),
    ...webhooksRoutes(webhooks),
    ...(payments ? paymentsRoutes(payments) : []),
  ];
}

/**
 * The gateway's express app: /v1 behind credentials; /health, /ready, /metrics, the OpenAPI document
 * and its docs page open (route only /v1, /docs and /openapi.json from the internet); one error middleware.
 */
export function createGatewayApp(deps: GatewayAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(helmet());
  if (deps.metrics) app.use(httpMetrics(deps.metrics));
  // Any caller-given x-request-id is kept as is.
  app.use(requestLogging({ logger: deps.logger, requestIds: { accept: () => true } }));
  const routes = gatewayRoutes(deps);
  const document = openApiDocument(routes);
  app.use(healthRoutes({ checks: deps.readiness }));
  if (deps.metrics) app.get('/metrics', metricsRoute(deps.metrics));
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use('/docs', docsRouter());
  app.use(
    '/v1',
    // Parsed after authentication: an anonymous caller cannot make us read a body.
    mountApi(routes, {
      authenticate: authenticate(deps.authenticator, describePrincipal),
      rateLimit: rateLimit(deps.rateLimits, { defaultLimit: deps.defaultRateLimit }),
      body: express.json({ limit: JSON_BODY_LIMIT }),
      idempotency: idempotency(deps.idempotency.store, deps.idempotency.window, deps.idempotency.sealer),
    }),
  );
  app.use(unknownRoute);
  app.use(errorMiddleware);
  return app;
}
