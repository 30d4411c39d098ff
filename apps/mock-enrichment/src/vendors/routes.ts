import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import express, { Router } from 'express';
import { z } from 'zod';
import { errorBodySchema } from '../api-schemas';
import { InvalidRequestError } from '../errors';
import { toIssues } from '../knobs';
import {
  VENDOR_KNOBS_HEADER,
  vendorCreditsPatchSchema,
  vendorKnobsPatchSchema,
  vendorListSchema,
  vendorViewSchema,
  type Vendor,
  type VendorRequest,
  type VendorSimulator,
} from './vendor';

/** Query values as vendors read them: the first of repeated parameters, trimmed; empty ones dropped. */
export function firstValues(query: Readonly<Record<string, unknown>>): VendorRequest['query'] {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) {
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string' && first.trim() !== '') values[name] = first.trim();
  }
  return values;
}

/**
 * `GET <vendor path>` for every vendor, answering in the vendor's wire format, plus `/admin/vendors`:
 * the vendors' knobs, credits and counters.
 */
export function vendorRoutes(vendors: VendorSimulator): Router {
  const router = Router();

  for (const vendor of vendors.vendors) {
    router.get(vendor.path, async (req, res) => {
      const answer = await vendors.handle(vendor.name, { query: firstValues(req.query as Record<string, unknown>), header: (name) => req.get(name) });
      res.status(answer.status).set(answer.headers).type(answer.contentType).send(answer.body);
    });
  }

  router.use('/admin/vendors', express.json({ limit: '16kb' }));
  router.get('/admin/vendors', (_req, res) => {
    res.json({ vendors: vendors.list() });
  });
  router.put<{ name: string }>('/admin/vendors/:name/knobs', (req, res) => {
    vendors.vendor(req.params.name);
    const patch = vendorKnobsPatchSchema.safeParse(req.body ?? {});
    if (!patch.success) throw new InvalidRequestError(toIssues(patch.error), 'The knobs are invalid.');
    res.json(vendors.updateKnobs(req.params.name, patch.data));
  });
  router.put<{ name: string }>('/admin/vendors/:name/credits', (req, res) => {
    vendors.vendor(req.params.name);
    const patch = vendorCreditsPatchSchema.safeParse(req.body ?? {});
    if (!patch.success) throw new InvalidRequestError(toIssues(patch.error), 'The credits are invalid.');
    res.json(vendors.setCredits(req.params.name, patch.data.remaining));
  });
  return router;
}

const json = (schema: z.ZodType) => ({ 'application/json': { schema } });

/**
 * Adds the vendor routes and `/admin/vendors` to the OpenAPI document: query parameters and bodies
 * from the zod schemas that validate and describe them, credentials as security schemes.
 */
export function registerVendorPaths(registry: OpenAPIRegistry, vendors: readonly Vendor[]): void {
  registry.registerComponent('parameters', 'MockVendorKnobsHeader', {
    name: VENDOR_KNOBS_HEADER,
    in: 'header',
    required: false,
    description:
      'Vendor-only knobs for this request as JSON, e.g. {"malformedRate":1,"malformedKind":"truncated"} or {"outOfCredits":true}. ' +
      '400 (the mock’s own error body) if malformed.',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/VendorKnobsHeader' } } },
  });

  for (const vendor of vendors) {
    const { securitySchemes, responses, headers = {}, querySchema } = vendor.openapi;
    for (const [name, scheme] of Object.entries(securitySchemes)) registry.registerComponent('securitySchemes', name, scheme);
    registry.registerPath({
      method: 'get',
      path: vendor.path,
      operationId: vendor.operationId,
      tags: ['vendors'],
      summary: vendor.summary,
      description:
        `Simulates ${vendor.label} (${vendor.realBaseUrl}${vendor.path}) in its own wire format (${vendor.docs}). Knob name: ` +
        `${vendor.name}. The same query and server seed always return the same body bytes. Credential: ${vendor.auth}. ` +
        'Every answer but the 401 and the parameter errors is delayed by latencyMs + uniform(0, jitterMs). A bad x-mock-knobs or ' +
        'x-mock-vendor-knobs header is answered with the mock’s own 400 error body.',
      security: Object.keys(securitySchemes).map((name) => ({ [name]: [] })),
      parameters: [{ $ref: '#/components/parameters/MockKnobsHeader' }, { $ref: '#/components/parameters/MockVendorKnobsHeader' }],
      request: { query: querySchema },
      responses: Object.fromEntries(
        Object.entries(responses).map(([status, response]) => [
          status,
          {
            description: response.description,
            ...(response.headers === undefined
              ? {}
              : { headers: Object.fromEntries(response.headers.flatMap((name) => (headers[name] === undefined ? [] : [[name, headers[name]]]))) }),
            content: status === '200' ? { ...json(response.schema), 'text/html': { schema: { type: 'string' } } } : json(response.schema),
          },
        ]),
      ),
    });
  }

  const vendorName = z.object({ name: z.enum(vendors.map((vendor) => vendor.name) as [string, ...string[]]) });
  const error = (description: string) => ({ description, content: json(errorBodySchema) });
  registry.registerPath({
    method: 'get',
    path: '/admin/vendors',
    operationId: 'listVendors',
    tags: ['admin'],
    summary: 'Vendors with their knobs, credits and call counters.',
    responses: { 200: { description: 'Vendors.', content: json(vendorListSchema) } },
  });
  registry.registerPath({
    method: 'put',
    path: '/admin/vendors/{name}/knobs',
    operationId: 'updateVendorKnobs',
    tags: ['admin'],
    summary: "Merges knob overrides into one vendor's: the common knobs and malformedRate / malformedKind (null removes an override).",
    request: { params: vendorName, body: { required: true, content: json(vendorKnobsPatchSchema) } },
    responses: {
      200: { description: 'The vendor after the change.', content: json(vendorViewSchema) },
      400: error('invalid_request: a knob is out of range or unknown.'),
      404: error('unknown_provider: no vendor by that name.'),
    },
  });
  registry.registerPath({
    method: 'put',
    path: '/admin/vendors/{name}/credits',
    operationId: 'setVendorCredits',
    tags: ['admin'],
    summary: "Sets a vendor's credit balance: each billable call spends one; at 0 the vendor answers its out-of-credits error.",
    request: { params: vendorName, body: { required: true, content: json(vendorCreditsPatchSchema) } },
    responses: {
      200: { description: 'The vendor after the change.', content: json(vendorViewSchema) },
      400: error('invalid_request: remaining is not a whole number ≥ 0 or null.'),
      404: error('unknown_provider: no vendor by that name.'),
    },
  });
}
