import express, { Router } from 'express';
import { InvalidRequestError } from '../errors';
import { statsQuerySchema } from '../api-schemas';
import { knobsPatchSchema, toIssues } from '../knobs';
import type { ProviderSimulator } from '../simulator';
import type { VendorSimulator } from '../vendors';

/**
 * `/admin/*`: knobs per provider, counters and reset, for tests and demos. Vendors (`src/vendors`)
 * are listed and counted here too, under `vendors`; their credits are under `/admin/vendors`.
 */
export function adminRoutes(simulator: ProviderSimulator, reset: () => void, vendors: VendorSimulator): Router {
  const router = Router();
  router.use('/admin', express.json({ limit: '16kb' }));

  router.get('/admin/providers', (_req, res) => {
    res.json({ defaults: simulator.defaults, providers: simulator.list(), vendors: simulator.listVendors() });
  });

  router.put<{ name: string }>('/admin/providers/:name/knobs', (req, res) => {
    // Unknown provider first: a 404 is more useful than complaints about a body nobody will apply.
    // Vendors (src/vendors) take the same knobs by their own names.
    simulator.knobTarget(req.params.name);
    const patch = knobsPatchSchema.safeParse(req.body ?? {});
    if (!patch.success) throw new InvalidRequestError(toIssues(patch.error), 'The knobs are invalid.');
    res.json(simulator.updateKnobs(req.params.name, patch.data));
  });

  router.post('/admin/reset', (_req, res) => {
    reset();
    res.json({ status: 'reset' });
  });

  router.get('/admin/stats', (req, res) => {
    const query = statsQuerySchema.safeParse(req.query);
    if (!query.success) throw new InvalidRequestError(toIssues(query.error), 'The query is invalid.');
    res.json({ providers: simulator.stats(query.data.api_key), vendors: vendors.stats(query.data.api_key) });
  });
  return router;
}
