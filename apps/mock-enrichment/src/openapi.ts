import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { errorBodySchema, healthSchema, providerListSchema, providerViewSchema, resetSchema, statsQuerySchema, statsSchema } from './api-schemas';
import { KNOBS_HEADER, knobsHeaderSchema, knobsOverrideSchema, knobsPatchSchema, knobsSchema } from './knobs';
import type { MockProvider } from './providers';
import { API_KEY_HEADER } from './simulator';
import { registerInferencePaths } from './inference/routes';
import { registerVendorPaths, vendorKnobsHeaderSchema, type Vendor } from './vendors';

/** The OpenAPI document as served by `GET /openapi.json`. */
export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

const json = (schema: z.ZodType) => ({ 'application/json': { schema } });
const error = (description: string) => ({ description, content: json(errorBodySchema) });

/**
 * Builds the OpenAPI 3.1 document from the same zod schemas that validate requests, so the contract
 * cannot drift from the code. Schemas carry their component names through zod's `.meta({ id })`,
 * which keeps `extendZodWithOpenApi`'s global prototype patching out of the app.
 */
export function buildOpenApiDocument(providers: readonly MockProvider[], vendors: readonly Vendor[] = []): OpenApiDocument {
  const registry = new OpenAPIRegistry();

  // A JSON object inside a header is described with `content`, which the zod-based `request.headers`
  // cannot express; a hand-written parameter component referring to the zod-generated schema can.
  registry.registerComponent('parameters', 'MockKnobsHeader', {
    name: KNOBS_HEADER,
    in: 'header',
    required: false,
    description:
      'Per-request knob overrides as JSON, e.g. {"failureRate":0.2,"latencyMs":0}, with knobs for single providers ' +
      'under "providers" (they win), e.g. {"notFoundRate":0,"providers":{"demographics":{"notFoundRate":0.3}}}. The raw ' +
      'value also keys the rate-limit bucket, so parallel test suites sending different values do not share a bucket. ' +
      '400 if malformed or naming an unknown provider.',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/KnobsHeader' } } },
  });
  registry.registerComponent('parameters', 'ApiKeyHeader', {
    name: API_KEY_HEADER,
    in: 'header',
    required: false,
    description:
      "The caller's API key. Any value is accepted; GET /admin/stats?api_key= counts that key's calls alone, as a " +
      "vendor's usage dashboard does, so a test can count its own calls on a shared server.",
    schema: { type: 'string' },
  });
  const retryAfter = registry.registerComponent('headers', 'RetryAfter', {
    description: 'Whole seconds (at least 1) until the token bucket has a token again.',
    schema: { type: 'integer', minimum: 1 },
  });

  for (const provider of providers) {
    registry.registerPath({
      method: 'post',
      path: provider.path,
      operationId: provider.operationId,
      tags: ['providers'],
      summary: provider.summary,
      description:
        `Deterministic ${provider.label} answer: the same normalized request and server seed always return the same ` +
        'bytes. Every answer except 400 is delayed by latencyMs + uniform(0, jitterMs).',
      parameters: [{ $ref: '#/components/parameters/MockKnobsHeader' }, { $ref: '#/components/parameters/ApiKeyHeader' }],
      request: { body: { required: true, content: json(provider.requestSchema) } },
      responses: {
        200: { description: 'The record.', content: json(provider.responseSchema) },
        400: error('invalid_request: bad body or x-mock-knobs header; issues name the fields.'),
        404: error(provider.notFoundDescription),
        429: {
          description: 'rate_limited: the token bucket is empty.',
          headers: { 'Retry-After': retryAfter.ref },
          content: json(errorBodySchema),
        },
        503: error('provider_unavailable: simulated transient failure (failureRate); a retry may succeed.'),
      },
    });
  }

  if (vendors.length > 0) registerVendorPaths(registry, vendors);
  registerInferencePaths(registry);

  const providerName = z.object({ name: z.enum([...providers, ...vendors].map((target) => target.name) as [string, ...string[]]) });
  registry.registerPath({
    method: 'get',
    path: '/admin/providers',
    operationId: 'listProviders',
    tags: ['admin'],
    summary: 'Providers with their effective knobs and overrides.',
    responses: { 200: { description: 'Providers.', content: json(providerListSchema) } },
  });
  registry.registerPath({
    method: 'put',
    path: '/admin/providers/{name}/knobs',
    operationId: 'updateProviderKnobs',
    tags: ['admin'],
    summary: "Merges knob overrides into one provider's (null removes an override).",
    request: { params: providerName, body: { required: true, content: json(knobsPatchSchema) } },
    responses: {
      200: { description: 'The provider after the change.', content: json(providerViewSchema) },
      400: error('invalid_request: a knob is out of range or unknown.'),
      404: error('unknown_provider.'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/admin/reset',
    operationId: 'reset',
    tags: ['admin'],
    summary: 'Knobs back to the server defaults; counters and rate-limit buckets cleared.',
    responses: { 200: { description: 'Reset done.', content: json(resetSchema) } },
  });
  registry.registerPath({
    method: 'get',
    path: '/admin/stats',
    operationId: 'stats',
    tags: ['admin'],
    summary: 'Lookup counts per provider and outcome, of every caller or of one API key.',
    request: { query: statsQuerySchema },
    responses: { 200: { description: 'Counters.', content: json(statsSchema) }, 400: error('invalid_request: a bad query.') },
  });
  registry.registerPath({
    method: 'get',
    path: '/health',
    operationId: 'health',
    tags: ['meta'],
    summary: 'Liveness.',
    responses: { 200: { description: 'Up.', content: json(healthSchema) } },
  });
  registry.registerPath({
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    tags: ['meta'],
    summary: 'This document.',
    responses: { 200: { description: 'OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } } },
  });

  // Listed as definitions (not `registry.register`, which needs the prototype patch): the header
  // parameter above refers to KnobsHeader by $ref only, so it must be emitted on its own.
  const schemas = [knobsSchema, knobsOverrideSchema, knobsHeaderSchema, vendorKnobsHeaderSchema, errorBodySchema].map((schema) => ({
    type: 'schema' as const,
    schema,
  }));
  return new OpenApiGeneratorV31([...schemas, ...registry.definitions]).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'mock-enrichment',
      version: '0.1.0',
      description:
        'Deterministic mock third-party data providers for dev, demos, integration tests and benchmarks. ' +
        'Answers derive from sha256(seed, provider, normalized request); latency, failures, unknown records and rate ' +
        'limits are knobs set by configuration, the admin API, or the x-mock-knobs header. Real vendors (People Data Labs, ' +
        'Hunter, Clearbit) are simulated at their own paths and in their own wire formats, with credits and malformed answers.',
    },
    tags: [
      { name: 'providers', description: 'Mock provider calls: lookups, search, crawl and extraction.' },
      { name: 'vendors', description: 'Simulated real vendors (PDL, Hunter, Clearbit) at their own paths, in their own wire formats.' },
      { name: 'admin', description: 'Knobs, counters and reset for tests and demos.' },
      { name: 'meta', description: 'Health and contract.' },
    ],
  });
}
