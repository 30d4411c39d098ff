import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { Router, type RequestHandler } from 'express';
import type { ApiScope } from '@enrich/domain';
import { requireCaller } from '@enrich/http';
import type { Principal } from './auth/principal';

/**
 * One route of the `/v1` API. Every route is declared in a table of these, and only through
 * {@link mountApi}: so every route is authenticated, rate limited and scope-checked the same way,
 * and the tests can walk the table to prove it (a new route cannot miss the auth matrix).
 */
export interface ApiRoute {
  method: 'get' | 'post' | 'delete';
  /** express path under `/v1`, e.g. `/jobs/:id`. */
  path: string;
  /** Scopes the caller needs, all of them. */
  scopes: readonly ApiScope[];
  handler: RequestHandler;
  /** Its OpenAPI operation (the document adds the security scheme and the 401/403/429 answers). */
  doc: Omit<RouteConfig, 'method' | 'path'>;
}

/** `/jobs/:id/results` → `/jobs/{id}/results`: the same path as OpenAPI writes it. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, '{$1}');
}

/** What runs before every route, in this order: authentication, the rate limit, the JSON body parser; then the route's scopes and, on a POST, its idempotency key. */
export interface ApiGuards {
  authenticate: RequestHandler;
  rateLimit: RequestHandler;
  body: RequestHandler;
  idempotency: RequestHandler;
}

/** The `/v1` router: each route behind authentication, the rate limit and its scopes; every POST honours `Idempotency-Key`. */
export function mountApi(routes: readonly ApiRoute[], guards: ApiGuards): Router {
  const router = Router();
  router.use(guards.authenticate, guards.rateLimit, guards.body);
  for (const route of routes) {
    const before = route.method === 'post' ? [requireScopes(route.scopes), guards.idempotency] : [requireScopes(route.scopes)];
    router[route.method](route.path, ...before, route.handler);
  }
  return router;
}

function requireScopes(scopes: readonly ApiScope[]): RequestHandler {
  const need = scopes.length === 1 ? `the ${scopes[0]} scope` : `the ${scopes.join(' and ')} scopes`;
  return requireCaller<Principal>((caller) => scopes.every((scope) => caller.scopes.has(scope)), need);
}
