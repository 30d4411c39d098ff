import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import {
  churnFeaturesSchema,
  churnPredictionSchema,
  fraudFeaturesSchema,
  fraudScoreSchema,
  retryFeaturesSchema,
  retryStrategySchema,
  type ModelRef,
} from '@enrich/domain';
import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { errorBodySchema, statsQuerySchema } from '../api-schemas';
import { InvalidRequestError, ProviderUnavailableError, RateLimitedError, toHttpError, UnknownProviderError } from '../errors';
import {
  applyKnobsPatch,
  KNOBS_HEADER,
  knobsOverrideSchema,
  knobsPatchSchema,
  knobsSchema,
  parseKnobsHeader,
  toIssues,
  type Issue,
  type Knobs,
  type KnobsOverride,
  type KnobsPatch,
} from '../knobs';
import { API_KEY_HEADER, type KnobTarget, type ProviderSimulator } from '../simulator';
import { CHURN_MODEL, FRAUD_MODEL, predictChurn, recommendRetry, RETRY_MODEL, scoreFraud } from './models';

/**
 * The mock inference service: `POST /inference/fraud`, `/inference/retry-strategy` and
 * `/inference/churn` answer the pure models of `models.ts` in the contract of `@enrich/domain`
 * (`payments.ts`), behind the providers' knobs (latency, jitter, failureRate → 503,
 * rateLimitPerSecond → 429), taken by model name (`fraud-logit`, ...) in `MOCK_PROVIDER_KNOBS`, in
 * the `x-mock-knobs` header and through `PUT /admin/inference/:name/knobs`. `notFoundRate` does not
 * apply: a model always has an answer. Calls are counted per model and outcome in `GET /admin/inference`.
 *
 * @module
 */

/** One model behind a route. `name` is the model's name: the knob, admin and counter name. */
export interface InferenceEndpoint extends KnobTarget {
  model: ModelRef;
  /** OpenAPI operation id, e.g. `inferFraud`. */
  operationId: string;
  summary: string;
  /** The request body schema, registered under its component name for the OpenAPI document. */
  featuresSchema: z.ZodType;
  /** The 200 body schema, registered under its component name. */
  answerSchema: z.ZodType;
  /** Validates a request body and, when valid, answers it. */
  score(body: unknown): { success: true; answer: unknown } | { success: false; error: z.ZodError };
}

/** What {@link defineInferenceEndpoint} needs: the contract's schemas and the model's pure function. */
export interface InferenceEndpointDefinition<Features extends z.ZodType, Answer extends z.ZodType> {
  model: ModelRef;
  /** `POST` path, e.g. `/inference/fraud`. */
  path: string;
  operationId: string;
  summary: string;
  /** PascalCase names of the OpenAPI components of the request and the answer. */
  schemaNames: { features: string; answer: string };
  featuresSchema: Features;
  answerSchema: Answer;
  predict(features: z.output<Features>): z.input<Answer>;
}

/** Builds an {@link InferenceEndpoint}: the schemas get their component names, the model is bound to its validation. */
export function defineInferenceEndpoint<Features extends z.ZodType, Answer extends z.ZodType>(
  definition: InferenceEndpointDefinition<Features, Answer>,
): InferenceEndpoint {
  const { model, path, operationId, summary, schemaNames, featuresSchema, predict } = definition;
  return {
    name: model.name,
    label: `model ${model.name}@${model.version}`,
    path,
    model,
    operationId,
    summary,
    // `.meta` returns a copy: the contract's own schemas stay untouched.
    featuresSchema: featuresSchema.meta({ id: schemaNames.features }),
    answerSchema: definition.answerSchema.meta({ id: schemaNames.answer }),
    score(body) {
      const parsed = featuresSchema.safeParse(body);
      return parsed.success ? { success: true, answer: predict(parsed.data) } : { success: false, error: parsed.error };
    },
  };
}

/** The three models the server simulates, in the order `GET /admin/inference` lists them. */
export const builtInInferenceEndpoints: readonly InferenceEndpoint[] = [
  defineInferenceEndpoint({
    model: FRAUD_MODEL,
    path: '/inference/fraud',
    operationId: 'inferFraud',
    summary: 'Fraud score of a payment: logistic on amount, card/billing country mismatch, velocity and BIN.',
    schemaNames: { features: 'FraudFeatures', answer: 'FraudScore' },
    featuresSchema: fraudFeaturesSchema,
    answerSchema: fraudScoreSchema,
    predict: scoreFraud,
  }),
  defineInferenceEndpoint({
    model: RETRY_MODEL,
    path: '/inference/retry-strategy',
    operationId: 'inferRetryStrategy',
    summary: 'What to do about a declined payment: retry (and when), update the payment method, or never retry.',
    schemaNames: { features: 'RetryFeatures', answer: 'RetryStrategy' },
    featuresSchema: retryFeaturesSchema,
    answerSchema: retryStrategySchema,
    predict: recommendRetry,
  }),
  defineInferenceEndpoint({
    model: CHURN_MODEL,
    path: '/inference/churn',
    operationId: 'inferChurn',
    summary: 'Probability that the customer churns: logistic on the failure ratio, the last payment, tenure and activity.',
    schemaNames: { features: 'ChurnFeatures', answer: 'ChurnPrediction' },
    featuresSchema: churnFeaturesSchema,
    answerSchema: churnPredictionSchema,
    predict: predictChurn,
  }),
];

/** How an inference call ended, as counted by `GET /admin/inference`. */
export const INFERENCE_OUTCOMES = ['ok', 'rate_limited', 'failed', 'invalid'] as const;
export type InferenceOutcome = (typeof INFERENCE_OUTCOMES)[number];

const count = z.number().int().min(0);

/** Calls of one model: all of them, and by outcome. */
export const inferenceCountsSchema = z
  .object({ calls: count, ok: count, rate_limited: count, failed: count, invalid: count })
  .meta({ id: 'InferenceCounts', description: 'Calls of one model since start or the last reset: in all, and by outcome.' });
export type InferenceCounts = z.output<typeof inferenceCountsSchema>;

/** One model as `GET /admin/inference` lists it. */
export const inferenceModelViewSchema = z
  .object({
    name: z.string().meta({ example: 'fraud-logit' }),
    version: z.string().meta({ example: '1.0.0' }),
    path: z.string().meta({ example: '/inference/fraud' }),
    knobs: knobsSchema,
    overrides: knobsOverrideSchema,
    counts: inferenceCountsSchema,
  })
  .meta({ id: 'InferenceModelView' });
export type InferenceModelView = z.output<typeof inferenceModelViewSchema>;

export const inferenceModelListSchema = z.object({ models: z.array(inferenceModelViewSchema) }).meta({ id: 'InferenceModelList' });

const emptyCounts = (): InferenceCounts => ({ calls: 0, ok: 0, rate_limited: 0, failed: 0, invalid: 0 });

/** What {@link InferenceSimulator} needs. */
export interface InferenceSimulatorOptions {
  /** Latency, jitter, failures, token buckets and server defaults are the provider simulator's. */
  simulator: ProviderSimulator;
  /** Defaults to {@link builtInInferenceEndpoints}. */
  endpoints?: readonly InferenceEndpoint[];
  /** Knobs of single models by name, on top of the server defaults (configuration: they survive a reset). */
  modelKnobs?: Readonly<Record<string, KnobsOverride>>;
}

/**
 * The inference routes' state and behaviour: knobs per model and call counters. Latency, jitter,
 * failures, rate limits and the server defaults are the {@link ProviderSimulator}'s (its
 * `takeToken`, `waitLatency` and `fails`), so a model behaves under a knob exactly as a provider does.
 */
export class InferenceSimulator {
  private readonly registry: ReadonlyMap<string, InferenceEndpoint>;
  private readonly overrides = new Map<string, KnobsOverride>();
  private readonly counts = new Map<string, InferenceCounts>();
  private readonly countsByKey = new Map<string, Map<string, InferenceCounts>>();
  private readonly modelKnobs: Readonly<Record<string, KnobsOverride>>;

  constructor(private readonly options: InferenceSimulatorOptions) {
    const endpoints = options.endpoints ?? builtInInferenceEndpoints;
    this.registry = new Map(endpoints.map((endpoint) => [endpoint.name, endpoint]));
    const clash = endpoints.filter((endpoint) => options.simulator.knobTargetNames.includes(endpoint.name)).map((endpoint) => endpoint.name);
    if (clash.length > 0) throw new Error(`model name(s) ${clash.join(', ')} are also provider or vendor names`);
    const unknown = Object.keys(options.modelKnobs ?? {}).filter((name) => !this.registry.has(name));
    if (unknown.length > 0) throw new Error(`knobs are configured for unknown model(s) ${unknown.join(', ')} (known: ${this.names.join(', ')})`);
    // Parsed again so a hand-built options object cannot smuggle in a negative latency or rate > 1.
    this.modelKnobs = Object.fromEntries(Object.entries(options.modelKnobs ?? {}).map(([name, knobs]) => [name, knobsOverrideSchema.parse(knobs)]));
  }

  /** Every model's endpoint, in registry order. */
  get endpoints(): InferenceEndpoint[] {
    return [...this.registry.values()];
  }

  /** Names of every model. */
  get names(): string[] {
    return [...this.registry.keys()];
  }

  /** Whether `name` is a model's name. */
  has(name: string): boolean {
    return this.registry.has(name);
  }

  /** The endpoint of the model named `name`. @throws {@link UnknownProviderError} listing the models */
  endpoint(name: string): InferenceEndpoint {
    const endpoint = this.registry.get(name);
    if (!endpoint) throw new UnknownProviderError(name, this.names);
    return endpoint;
  }

  /**
   * Answers one call of model `name`, in the providers' order: a bad `x-mock-knobs` header or body is
   * refused at once (400, no latency); then a token is taken on arrival, the latency served, and the
   * outcome is 429, 503 or 200 in that order.
   *
   * @param knobsHeader raw `x-mock-knobs` value: per-request overrides, and the rate-limit bucket key.
   * @param apiKey the caller's `x-api-key`, if any: its calls are also counted on their own.
   * @throws {@link HttpError} subclasses for every non-200 outcome.
   */
  async infer(name: string, body: unknown, knobsHeader?: string, apiKey?: string): Promise<unknown> {
    const endpoint = this.endpoint(name);
    const requestKnobs = this.requestKnobs(name, knobsHeader);
    if (!requestKnobs.success) {
      this.record(name, 'invalid', apiKey);
      throw new InvalidRequestError(requestKnobs.issues, 'The x-mock-knobs header is invalid.');
    }
    const scored = endpoint.score(body ?? {});
    if (!scored.success) {
      this.record(name, 'invalid', apiKey);
      throw new InvalidRequestError(toIssues(scored.error), 'The request body is invalid.');
    }

    const { simulator } = this.options;
    const { knobs } = requestKnobs;
    const { token } = simulator.takeToken(name, knobsHeader, knobs.rateLimitPerSecond);
    await simulator.waitLatency(knobs);
    if (!token.allowed) {
      this.record(name, 'rate_limited', apiKey);
      throw new RateLimitedError(endpoint.label, token.retryAfterSeconds);
    }
    if (simulator.fails(knobs)) {
      this.record(name, 'failed', apiKey);
      throw new ProviderUnavailableError(endpoint.label);
    }
    this.record(name, 'ok', apiKey);
    return scored.answer;
  }

  /**
   * The knobs of one call of model `name`: its effective knobs, then the `x-mock-knobs` header's
   * knobs for every target, then the header's knobs for `name` alone (under `providers`, where model
   * names are accepted beside provider and vendor names).
   */
  requestKnobs(name: string, knobsHeader: string | undefined): { success: true; knobs: Knobs } | { success: false; issues: Issue[] } {
    const parsed = parseKnobsHeader(knobsHeader);
    if (!parsed.success) return parsed;
    const known = [...this.options.simulator.knobTargetNames, ...this.names];
    const unknown = Object.keys(parsed.knobs.providers ?? {}).filter((target) => !known.includes(target));
    if (unknown.length > 0) {
      return {
        success: false,
        issues: unknown.map((target) => ({
          path: `${KNOBS_HEADER}.providers.${target}`,
          message: `no mock provider or model named "${target}" (known: ${known.join(', ')})`,
        })),
      };
    }
    const { providers: perTarget, ...everyTarget } = parsed.knobs;
    return { success: true, knobs: { ...this.knobs(name), ...everyTarget, ...perTarget?.[name] } };
  }

  /** Effective knobs of one model: server defaults, then its configured knobs, then admin overrides. */
  knobs(name: string): Knobs {
    const model = this.endpoint(name).name;
    return { ...this.options.simulator.defaults, ...this.modelKnobs[model], ...this.overrides.get(model) };
  }

  /** Applies an admin patch to one model's overrides (`null` removes one) and returns its new view. */
  updateKnobs(name: string, patch: KnobsPatch): InferenceModelView {
    this.endpoint(name);
    this.overrides.set(name, applyKnobsPatch(this.overrides.get(name) ?? {}, patch));
    return this.view(name);
  }

  /** Every model with its knobs and counters (of every caller, or of the calls that carried `apiKey`). */
  list(apiKey?: string): InferenceModelView[] {
    return this.names.map((name) => this.view(name, apiKey));
  }

  /** Call counts per model since start or the last reset: of every call, or only of those carrying `apiKey`. */
  stats(apiKey?: string): Record<string, InferenceCounts> {
    return Object.fromEntries(this.names.map((name) => [name, this.countsOf(name, apiKey)]));
  }

  /** Admin overrides and counters cleared (the token buckets are the provider simulator's, cleared by its reset). */
  reset(): void {
    this.overrides.clear();
    this.counts.clear();
    this.countsByKey.clear();
  }

  /** Counts a call refused before {@link infer} (a body that is not JSON). */
  recordInvalid(name: string, apiKey?: string): void {
    if (this.registry.has(name)) this.record(name, 'invalid', apiKey);
  }

  private view(name: string, apiKey?: string): InferenceModelView {
    const endpoint = this.endpoint(name);
    return {
      name,
      version: endpoint.model.version,
      path: endpoint.path,
      knobs: this.knobs(name),
      overrides: { ...this.overrides.get(name) },
      counts: this.countsOf(name, apiKey),
    };
  }

  private countsOf(name: string, apiKey: string | undefined): InferenceCounts {
    const counts = apiKey === undefined ? this.counts : this.countsByKey.get(apiKey);
    return { ...(counts?.get(name) ?? emptyCounts()) };
  }

  private record(name: string, outcome: InferenceOutcome, apiKey: string | undefined): void {
    tally(this.counts, name, outcome);
    if (apiKey === undefined) return;
    let byModel = this.countsByKey.get(apiKey);
    if (!byModel) {
      byModel = new Map();
      this.countsByKey.set(apiKey, byModel);
    }
    tally(byModel, name, outcome);
  }
}

function tally(counts: Map<string, InferenceCounts>, name: string, outcome: InferenceOutcome): void {
  const entry = counts.get(name) ?? emptyCounts();
  entry.calls += 1;
  entry[outcome] += 1;
  counts.set(name, entry);
}

/**
 * `POST <path>` for every model, plus `GET /admin/inference` (models, knobs and counters;
 * `?api_key=` counts one caller's calls) and `PUT /admin/inference/:name/knobs`.
 */
export function inferenceRoutes(inference: InferenceSimulator): Router {
  const router = Router();
  const parseJson = express.json({ limit: '16kb' });

  // Parsed per model so that a body that is not JSON still counts as an `invalid` call of that model.
  const jsonBody =
    (endpoint: InferenceEndpoint): RequestHandler =>
    (req, res, next) => {
      parseJson(req, res, (error?: unknown) => {
        if (error === undefined) {
          next();
          return;
        }
        inference.recordInvalid(endpoint.name, req.get(API_KEY_HEADER));
        next(toHttpError(error));
      });
    };

  for (const endpoint of inference.endpoints) {
    router.post(endpoint.path, jsonBody(endpoint), async (req, res) => {
      res.json(await inference.infer(endpoint.name, req.body, req.get(KNOBS_HEADER), req.get(API_KEY_HEADER)));
    });
  }

  router.use('/admin/inference', express.json({ limit: '16kb' }));
  router.get('/admin/inference', (req, res) => {
    const query = statsQuerySchema.safeParse(req.query);
    if (!query.success) throw new InvalidRequestError(toIssues(query.error), 'The query is invalid.');
    res.json({ models: inference.list(query.data.api_key) });
  });
  router.put<{ name: string }>('/admin/inference/:name/knobs', (req, res) => {
    // Unknown model first: a 404 is more useful than complaints about a body nobody will apply.
    inference.endpoint(req.params.name);
    const patch = knobsPatchSchema.safeParse(req.body ?? {});
    if (!patch.success) throw new InvalidRequestError(toIssues(patch.error), 'The knobs are invalid.');
    res.json(inference.updateKnobs(req.params.name, patch.data));
  });
  return router;
}

const json = (schema: z.ZodType) => ({ 'application/json': { schema } });
const error = (description: string) => ({ description, content: json(errorBodySchema) });

/**
 * Adds the inference routes and `/admin/inference` to an OpenAPI registry, in the style of the
 * provider paths: bodies from the contract's zod schemas, the `MockKnobsHeader` and `ApiKeyHeader`
 * parameters and the `RetryAfter` header by reference (`openapi.ts` registers them).
 */
export function registerInferencePaths(registry: OpenAPIRegistry, endpoints: readonly InferenceEndpoint[] = builtInInferenceEndpoints): void {
  for (const endpoint of endpoints) {
    registry.registerPath({
      method: 'post',
      path: endpoint.path,
      operationId: endpoint.operationId,
      tags: ['inference'],
      summary: endpoint.summary,
      description:
        `Model ${endpoint.model.name} ${endpoint.model.version} (knob name: ${endpoint.name}). A pure function of the body: the same ` +
        'features always return the same bytes; probabilities are rounded to 4 decimals. Every answer except 400 is delayed by ' +
        'latencyMs + uniform(0, jitterMs); notFoundRate does not apply.',
      parameters: [{ $ref: '#/components/parameters/MockKnobsHeader' }, { $ref: '#/components/parameters/ApiKeyHeader' }],
      request: { body: { required: true, content: json(endpoint.featuresSchema) } },
      responses: {
        200: { description: 'The model’s answer.', content: json(endpoint.answerSchema) },
        400: error('invalid_request: bad body or x-mock-knobs header; issues name the fields.'),
        429: {
          description: 'rate_limited: the token bucket is empty.',
          headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } },
          content: json(errorBodySchema),
        },
        503: error('provider_unavailable: simulated transient failure (failureRate); a retry may succeed.'),
      },
    });
  }

  registry.registerPath({
    method: 'get',
    path: '/admin/inference',
    operationId: 'listInferenceModels',
    tags: ['admin'],
    summary: 'Inference models with their knobs, overrides and call counters (api_key: one caller’s calls).',
    request: { query: statsQuerySchema },
    responses: { 200: { description: 'Models.', content: json(inferenceModelListSchema) }, 400: error('invalid_request: a bad query.') },
  });
  registry.registerPath({
    method: 'put',
    path: '/admin/inference/{name}/knobs',
    operationId: 'updateInferenceKnobs',
    tags: ['admin'],
    summary: "Merges knob overrides into one model's (null removes an override).",
    request: {
      params: z.object({ name: z.enum(endpoints.map((endpoint) => endpoint.name) as [string, ...string[]]) }),
      body: { required: true, content: json(knobsPatchSchema) },
    },
    responses: {
      200: { description: 'The model after the change.', content: json(inferenceModelViewSchema) },
      400: error('invalid_request: a knob is out of range or unknown.'),
      404: error('unknown_provider: no model by that name.'),
    },
  });
}
