import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { apiScopeSchema, type ApiScope } from '@enrich/domain';
import type { ApiKeyRecord, ApiKeyRepository } from '@enrich/db';
import { callerOf, notFound } from '@enrich/http';
import { z } from 'zod';
import type { Principal } from '../auth/principal';
import type { ApiRoute } from '../routes';
import { errorResponse } from '../jobs/jobs.schemas';

extendZodWithOpenApi(z);

const keyIdParams = z.object({ id: z.string().regex(/^ek_[0-9a-f]{12}$/, 'must be an API key id (ek_ and 12 hex digits)') });

export const createKeyBody = z
  .object({
    name: z.string().trim().min(1).max(100).openapi({ description: 'What the key is for (shown in lists and logs).' }),
    scopes: z.array(apiScopeSchema).min(1).openapi({ description: 'read, write, pii, admin.' }),
    expiresInDays: z.number().int().min(1).max(3650).optional().openapi({ description: 'The key stops working after this many days.' }),
  })
  .strict();

const rotateKeyBody = z
  .object({
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(30 * 24 * 3600)
      .default(3600)
      .openapi({ description: 'How long the old key keeps working (default 1 hour).' }),
  })
  .strict();

const keyResponse = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(apiScopeSchema),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
  })
  .openapi('ApiKey');

const mintedKeyResponse = keyResponse
  .extend({ key: z.string().openapi({ description: 'The whole key: shown this once, never stored. Send it as `Authorization: Bearer <key>`.' }) })
  .openapi('NewApiKey');

const error = (description: string) => ({ description, content: { 'application/json': { schema: errorResponse } } });

/** The tenant's own API keys, for its `admin` keys: create, list, revoke, rotate. */
export function keysRoutes(keys: ApiKeyRepository): ApiRoute[] {
  const tenantOf = (req: Parameters<ApiRoute['handler']>[0]) => callerOf<Principal>(req).tenant.id;
  return [
    {
      method: 'post',
      path: '/keys',
      scopes: ['admin'],
      handler: async (req, res) => {
        const body = createKeyBody.parse(req.body);
        const expiresAt = body.expiresInDays ? new Date(Date.now() + body.expiresInDays * 86_400_000) : undefined;
        const minted = await keys.create(tenantOf(req), { name: body.name, scopes: body.scopes, ...(expiresAt ? { expiresAt } : {}) });
        req.log.info({ keyId: minted.record.id, scopes: body.scopes }, 'api key created');
        res
          .status(201)
          .location(`/v1/keys/${minted.record.id}`)
          .json({ ...present(minted.record), key: minted.key });
      },
      doc: {
        summary: 'Create an API key of your tenant (its secret is shown once)',
        request: { body: { content: { 'application/json': { schema: createKeyBody } } } },
        responses: { 201: { description: 'The key, with its secret', content: { 'application/json': { schema: mintedKeyResponse } } }, 400: error('Bad body') },
      },
    },
    {
      method: 'get',
      path: '/keys',
      scopes: ['admin'],
      handler: async (req, res) => {
        res.json({ keys: (await keys.list(tenantOf(req))).map(present) });
      },
      doc: {
        summary: "List your tenant's API keys (never their secrets)",
        responses: { 200: { description: 'Newest first', content: { 'application/json': { schema: z.object({ keys: z.array(keyResponse) }) } } } },
      },
    },
    {
      method: 'post',
      path: '/keys/:id/revoke',
      scopes: ['admin'],
      handler: async (req, res) => {
        const { id } = keyIdParams.parse(req.params);
        const revoked = await keys.revoke(tenantOf(req), id);
        if (!revoked) throw notFound(`API key ${id} not found`);
        req.log.info({ keyId: id }, 'api key revoked');
        res.json(present(revoked));
      },
      doc: {
        summary: 'Revoke an API key for good (refused everywhere within seconds)',
        request: { params: keyIdParams },
        responses: { 200: { description: 'The revoked key', content: { 'application/json': { schema: keyResponse } } }, 404: error('Unknown key') },
      },
    },
    {
      method: 'post',
      path: '/keys/:id/rotate',
      scopes: ['admin'],
      handler: async (req, res) => {
        const { id } = keyIdParams.parse(req.params);
        const { graceSeconds } = rotateKeyBody.parse(req.body ?? {});
        const rotated = await keys.rotate(tenantOf(req), id, graceSeconds);
        if (!rotated) throw notFound(`API key ${id} not found (or revoked)`);
        req.log.info({ keyId: id, newKeyId: rotated.minted.record.id, graceSeconds }, 'api key rotated');
        res
          .status(201)
          .location(`/v1/keys/${rotated.minted.record.id}`)
          .json({ ...present(rotated.minted.record), key: rotated.minted.key, replaces: present(rotated.previous) });
      },
      doc: {
        summary: 'Replace an API key: a new key with the same name and scopes; the old one expires after the grace period',
        request: { params: keyIdParams, body: { content: { 'application/json': { schema: rotateKeyBody } } } },
        responses: {
          201: {
            description: 'The new key, with its secret',
            content: { 'application/json': { schema: mintedKeyResponse.extend({ replaces: keyResponse }) } },
          },
          404: error('Unknown or revoked key'),
        },
      },
    },
  ];
}

function present(key: ApiKeyRecord): z.input<typeof keyResponse> {
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  return {
    id: key.id,
    name: key.name,
    scopes: key.scopes as ApiScope[],
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: iso(key.lastUsedAt),
    revokedAt: iso(key.revokedAt),
    expiresAt: iso(key.expiresAt),
  };
}
