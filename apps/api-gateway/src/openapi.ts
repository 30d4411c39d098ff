import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { errorResponse } from './jobs/jobs.schemas';
import { openApiPath, type ApiRoute } from './routes';

const error = (description: string, headers?: Record<string, { description: string; schema: { type: 'string' | 'integer' } }>) => ({
  description,
  content: { 'application/json': { schema: errorResponse } },
  ...(headers ? { headers } : {}),
});

extendZodWithOpenApi(z);

const IDEMPOTENCY_HEADERS = z.object({
  'Idempotency-Key': z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/)
    .optional()
    .openapi({
      description:
        'Makes a retry safe (IETF Idempotency-Key draft): the same key with the same request replays the first answer for 24 h (with `Idempotent-Replayed: true`); with another request it is a 422; while the first is being handled, a 409. An upload is the same request when its type, length and Content-Digest (if sent) are.',
    }),
});

const RATE_LIMIT_HEADERS = {
  'RateLimit-Policy': {
    description: 'The quota: `"per-key";q=<requests>;w=<seconds>` (IETF RateLimit header fields draft).',
    schema: { type: 'string' as const },
  },
  RateLimit: { description: 'What is left of it: `"per-key";r=<remaining>;t=<seconds until the window resets>`.', schema: { type: 'string' as const } },
};

/**
 * The gateway's contract, generated from the route table the app mounts and from the same zod
 * schemas the routes parse with: every route with its scopes, the security schemes, and the
 * 401 / 403 / 429 answers authentication and the rate limit give.
 */
export function openApiDocument(routes: readonly ApiRoute[]) {
  const registry = new OpenAPIRegistry();
  const apiKey = registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'ek_<12 hex>_<secret>',
    description: 'An API key of your tenant (`enrich admin keys create`), as `Authorization: Bearer <key>`. Its scopes decide what it may do.',
  });
  const oidc = registry.registerComponent('securitySchemes', 'oidc', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A JWT of your identity provider (when the gateway is configured with AUTH_JWKS_URL): tenant and scopes from its claims.',
  });
  for (const route of routes) {
    const post = route.method === 'post';
    registry.registerPath({
      ...route.doc,
      ...(post ? { request: { ...route.doc.request, headers: IDEMPOTENCY_HEADERS } } : {}),
      method: route.method,
      path: `/v1${openApiPath(route.path)}`,
      description: [route.doc.description, `Scopes: ${route.scopes.join(', ')}.`].filter(Boolean).join('\n\n'),
      security: [{ [apiKey.name]: [...route.scopes] }, { [oidc.name]: [...route.scopes] }],
      responses: {
        400: error('Invalid request: the `issues` name each field and what is wrong with it'),
        ...route.doc.responses,
        ...(post
          ? {
              409: route.doc.responses[409] ?? error('A request with the same Idempotency-Key is still being handled'),
              422: route.doc.responses[422] ?? error('The Idempotency-Key was used for another request'),
            }
          : {}),
        401: error('No credentials, or not valid ones (unknown, revoked or expired key); see WWW-Authenticate'),
        403: error(`The credential lacks a scope this route needs (${route.scopes.join(', ')})`),
        429: error('Too many requests for this key in the current window', {
          'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } },
          ...RATE_LIMIT_HEADERS,
        }),
      },
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Enrichment API', version: '1.0.0' },
    servers: [{ url: '/' }],
  });
}
