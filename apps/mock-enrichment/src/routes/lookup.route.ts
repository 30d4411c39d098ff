import express, { Router, type RequestHandler } from 'express';
import { RouteNotFoundError, toHttpError } from '../errors';
import { KNOBS_HEADER } from '../knobs';
import type { MockProvider } from '../providers';
import { API_KEY_HEADER, type ProviderSimulator } from '../simulator';

/**
 * `POST /v1/providers/<name>/<operation>` for every registered provider (`lookup` for record
 * providers, `query`, `fetch`, `fields` for search, crawl and extract).
 */
export function lookupRoutes(simulator: ProviderSimulator): Router {
  const router = Router();
  // Extraction takes whole HTML pages, hence more than a lookup body would need.
  const parseJson = express.json({ limit: '1mb' });

  // The body is parsed per provider so that a body that is not JSON still counts as an `invalid`
  // call of that provider in /admin/stats.
  const jsonBody =
    (provider: MockProvider): RequestHandler =>
    (req, res, next) => {
      parseJson(req, res, (error?: unknown) => {
        if (error === undefined) {
          next();
          return;
        }
        simulator.recordInvalid(provider.name, req.get(API_KEY_HEADER));
        next(toHttpError(error));
      });
    };

  for (const provider of simulator.providers) {
    router.post(provider.path, jsonBody(provider), async (req, res) => {
      const answer = await simulator.lookup(provider.name, req.body, req.get(KNOBS_HEADER), req.get(API_KEY_HEADER));
      res.json(answer);
    });
  }

  // Anything else under /v1/providers: say which providers exist when the name is wrong.
  router.post<{ name: string; operation: string }>('/v1/providers/:name/:operation', (req) => {
    simulator.provider(req.params.name);
    throw new RouteNotFoundError(req.method, req.path);
  });
  return router;
}
