import { httpMetrics, metricsRoute, type Registry, requestLogging } from '@enrich/http';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { errorHandler, routeNotFound } from './errors';
import { builtInInferenceEndpoints, InferenceSimulator, inferenceRoutes } from './inference/routes';
import { knobsOverrideSchema, knobsSchema, type Knobs, type KnobsOverride } from './knobs';
import { buildOpenApiDocument } from './openapi';
import { builtInProviders, type MockProvider } from './providers';
import { adminRoutes } from './routes/admin.route';
import { lookupRoutes } from './routes/lookup.route';
import { metaRoutes } from './routes/meta.route';
import { ProviderSimulator } from './simulator';
import { builtInVendors, DEFAULT_VENDOR_API_KEY, vendorRoutes, VendorSimulator, type Vendor } from './vendors';

/** What {@link createMockEnrichmentApp} needs; `seed` and `defaultKnobs` match `MockEnrichmentConfig`. */
export interface MockEnrichmentAppOptions {
  /** Changes every deterministic answer at once. */
  seed: string;
  /** Knobs every provider starts with and returns to on reset. */
  defaultKnobs: Knobs;
  /**
   * Knobs of single providers by name, on top of `defaultKnobs` (also kept on reset). Vendors and
   * inference models (`fraud-logit`, `retry-strategy-gbt`, `churn-logit`) take theirs here too.
   */
  providerKnobs?: Readonly<Record<string, KnobsOverride>>;
  /** Request logs go here; silent when omitted. */
  logger?: Logger;
  /** HTTP metrics (calls per route and status), served at /metrics; none: no metrics. */
  metrics?: Registry;
  /** Defaults to {@link builtInProviders}. */
  providers?: readonly MockProvider[];
  /** Simulated real vendors at their own paths; defaults to {@link builtInVendors}. */
  vendors?: readonly Vendor[];
  /** The key every vendor accepts, in its own place (`MOCK_VENDOR_API_KEY`); defaults to `mock-vendor-key`. */
  vendorApiKey?: string;
  /** Uniform in [0, 1): failures and jitter. Defaults to `Math.random`. */
  random?: () => number;
  /** Milliseconds, for rate limiting. Defaults to `Date.now`. */
  now?: () => number;
}

/** The express app plus handles on its state, for `main.ts` and tests. */
export interface MockEnrichmentApp {
  app: Express;
  simulator: ProviderSimulator;
  /** The vendors' credits, vendor-only knobs and call counters. */
  vendors: VendorSimulator;
  /** The inference models' knobs and call counters (`/inference/*`, `GET /admin/inference`). */
  inference: InferenceSimulator;
  /** Same as `POST /admin/reset`: knobs back to defaults, counters and rate-limit buckets cleared, vendor credits unlimited. */
  reset(): void;
}

/**
 * Builds the mock-enrichment express app. It does not listen: `main.ts` binds the configured port,
 * component tests bind port 0.
 */
export function createMockEnrichmentApp(options: MockEnrichmentAppOptions): MockEnrichmentApp {
  const providers = options.providers ?? builtInProviders;
  const vendorList = options.vendors ?? builtInVendors;
  // Knobs configured for a model go to the inference simulator, the rest to the provider simulator.
  const isModel = (name: string): boolean => builtInInferenceEndpoints.some((endpoint) => endpoint.name === name);
  const configuredKnobs = Object.entries(options.providerKnobs ?? {});
  const simulator = new ProviderSimulator({
    providers,
    vendors: vendorList,
    seed: options.seed,
    // Parsed again so a hand-built options object cannot smuggle in a negative latency or rate > 1.
    defaultKnobs: knobsSchema.parse(options.defaultKnobs),
    providerKnobs: Object.fromEntries(configuredKnobs.filter(([name]) => !isModel(name)).map(([name, knobs]) => [name, knobsOverrideSchema.parse(knobs)])),
    random: options.random,
    now: options.now,
  });
  const vendors = new VendorSimulator({
    vendors: vendorList,
    simulator,
    seed: options.seed,
    apiKey: options.vendorApiKey ?? DEFAULT_VENDOR_API_KEY,
    now: options.now,
  });
  const inference = new InferenceSimulator({
    simulator,
    endpoints: builtInInferenceEndpoints,
    modelKnobs: Object.fromEntries(configuredKnobs.filter(([name]) => isModel(name))),
  });
  const reset = (): void => {
    simulator.reset();
    vendors.reset();
    inference.reset();
  };

  const app = express();
  app.disable('x-powered-by');
  if (options.metrics) {
    app.use(httpMetrics(options.metrics));
    app.get('/metrics', metricsRoute(options.metrics));
  }
  app.use(
    requestLogging({
      logger: options.logger,
      // pino-http's own request counter; no x-request-id header.
      requestIds: false,
      // 4xx and 503 are what this server is for; only real faults deserve error level.
      customLogLevel: (_req, res, error) => (error !== undefined || res.statusCode === 500 ? 'error' : 'info'),
    }),
  );
  app.use(metaRoutes(buildOpenApiDocument(providers, vendorList)));
  app.use(lookupRoutes(simulator));
  app.use(vendorRoutes(vendors));
  app.use(inferenceRoutes(inference));
  app.use(adminRoutes(simulator, reset, vendors));
  app.use(routeNotFound);
  app.use(errorHandler);
  return { app, simulator, vendors, inference, reset };
}
