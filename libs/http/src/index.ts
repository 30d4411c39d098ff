/**
 * The HTTP plumbing every express app here shares: {@link HttpError} and its helpers, the one
 * error middleware that renders `{ error: code, message, ...details }`, body-parser error mapping,
 * the JSON 404 for unknown routes, pino-http request logging with `x-request-id`, servers started
 * with deliberate timeouts, and graceful shutdown (a signal, then close with a grace period).
 *
 * What every app shows its operators lives here too (`ops/`): {@link createLogger} (one JSON log
 * format, personal fields redacted), Prometheus metrics ({@link createMetricsRegistry},
 * {@link httpMetrics}), `/health` and `/ready` ({@link healthRoutes}), and {@link startOpsServer}
 * for processes with no HTTP server of their own.
 *
 * Apps keep their own errors (subclasses of {@link HttpError}) and choose messages through options.
 *
 * @module
 */
export { HttpError, badRequest, notFound, unauthorized, forbidden, type UnauthorizedOptions } from './http-error';
export { createErrorMapper, defaultErrorMapping, isBodyParserError, type BodyParserError, type ErrorMapping } from './error-mapping';
export { errorMiddleware, unknownRoute, type ErrorMiddlewareOptions } from './error-middleware';
export { requestLogging, REQUEST_ID_HEADER, SAFE_REQUEST_ID, type RequestIdOptions, type RequestLoggingOptions } from './request-logging';
export { closeServer, nextShutdownSignal, DEFAULT_SHUTDOWN_GRACE_MS, type CloseServerOptions } from './shutdown';
export { listen, SMALL_REQUEST_TIMEOUTS, type ServerTimeouts } from './listen';
/**
 * Bearer authentication shared by every app that takes credentials: {@link BearerAuthenticator}
 * asks its {@link CredentialVerifier}s in turn (API keys, static tokens, JWTs checked by
 * {@link JwtVerifier} against a JWKS) and answers 401 with the RFC 6750 challenge.
 */
export {
  BearerAuthenticator,
  StaticTokenVerifier,
  JwtCredentialVerifier,
  authenticate,
  callerOf,
  requireCaller,
  claimValues,
  tokenDigest,
  type CredentialVerifier,
  type BearerAuthenticatorOptions,
} from './auth/bearer-authenticator';
export { JwtVerifier, InvalidTokenError, JwksUnavailableError, type JwtVerifierOptions, type JwtClaims } from './auth/jwt-verifier';
export { createLogger, REDACTED_FIELDS, type LoggerOptions } from './ops/logger';
export {
  createMetricsRegistry,
  httpMetrics,
  keyProviderCallsMetric,
  metricsRoute,
  totalsCounter,
  LATENCY_BUCKETS,
  type CallCountsByOutcome,
} from './ops/metrics';
export type { Registry } from 'prom-client';
export { healthRoutes, runChecks, type ReadinessCheck, type HealthOptions, type CheckResult } from './ops/health';
export { startOpsServer, type OpsServerOptions } from './ops/ops-server';
