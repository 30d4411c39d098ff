import { healthRoutes } from '@enrich/http';
import { Router } from 'express';
import type { OpenApiDocument } from '../openapi';

/** `GET /health`, `GET /ready` (nothing to ask: it depends on nothing) and `GET /openapi.json`. */
export function metaRoutes(openApiDocument: OpenApiDocument): Router {
  const router = Router();
  router.use(healthRoutes());
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  return router;
}
