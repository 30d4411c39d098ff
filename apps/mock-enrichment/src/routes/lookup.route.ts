import express, { Router, type RequestHandler } from 'express';
import { toHttpError } from '../errors';
import { KNOBS_HEADER } from '../knobs';
import type { ProviderSimulator } from '../simulator';

/** `POST /v1/providers/:name/lookup` for every registered provider. */
export function lookupRoutes(simulator: ProviderSimulator): Router {
  const router = Router();
  const parseJson = express.json({ limit: '256kb' });

  // The provider is resolved before the body is parsed so that a body that is not JSON still counts
  // as an `invalid` lookup of that provider in /admin/stats.
  const jsonBody: RequestHandler<{ name: string }> = (req, res, next) => {
    const provider = simulator.provider(req.params.name);
    parseJson(req, res, (error?: unknown) => {
      if (error === undefined) {
        next();
        return;
      }
      simulator.recordInvalid(provider.name);
      next(toHttpError(error));
    });
  };

  router.post<{ name: string }>('/v1/providers/:name/lookup', jsonBody, async (req, res) => {
    const answer = await simulator.lookup(req.params.name, req.body, req.get(KNOBS_HEADER));
    res.json(answer);
  });
  return router;
}
