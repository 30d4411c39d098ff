import { Router } from 'express';
import type { OpenApiDocument } from '../openapi';

/** `GET /health` and `GET /openapi.json`. */
export function metaRoutes(openApiDocument: OpenApiDocument): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  return router;
}
