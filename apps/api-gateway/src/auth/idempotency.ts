import type { FieldSealer } from '@enrich/codec';
import type { IdempotencyRepository, IdempotencyWindow } from '@enrich/db';
import { isSealed } from '@enrich/domain';
import { badRequest, callerOf, HttpError } from '@enrich/http';
import type { Request, RequestHandler, Response } from 'express';
import { createHash } from 'node:crypto';
import type { Principal } from './principal';

/** The request header (IETF httpapi-idempotency-key-header draft). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** Set on an answer replayed from an earlier request with the same key. */
export const REPLAYED_HEADER = 'idempotent-replayed';

/** Headers of the first answer that a replay repeats. */
const REPLAYED_HEADERS = ['location'];

const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Middleware for POST routes, after authentication and the body parser: a request with an
 * `Idempotency-Key` is handled once per tenant and key. The same key with the same request replays
 * the first answer (status, body, `Location`) for the window's TTL; with another request it is a 422;
 * while the first is still being handled, a 409. Answers under 500 are kept (a 400 replays as a 400);
 * a 5xx gives the key up, so a retry is handled afresh. Kept answers are sealed at rest.
 *
 * "The same request" is the method, path, query and JSON body; an upload (a body that is not JSON,
 * read as a stream) is identified by its content type, its length and its `Content-Digest` or
 * `Repr-Digest` header when it sends one.
 */
export function idempotency(store: IdempotencyRepository, window: IdempotencyWindow, sealer: Pick<FieldSealer, 'seal' | 'open'>): RequestHandler {
  return async (req, res, next) => {
    const key = req.get(IDEMPOTENCY_KEY_HEADER);
    if (key === undefined) return next();
    if (!KEY.test(key)) {
      throw badRequest('invalid_request', `${IDEMPOTENCY_KEY_HEADER}: must be 1-255 visible ASCII characters (a UUID is a good choice)`, {
        issues: [{ path: IDEMPOTENCY_KEY_HEADER, message: 'must be 1-255 visible ASCII characters' }],
      });
    }
    const tenantId = callerOf<Principal>(req).tenant.id;
    const route = `${req.method} ${req.baseUrl}${req.path}`;
    const claim = await store.claim(tenantId, key, route, fingerprint(req), window);
    // An upload answered without being handled is read to its end and dropped, so the answer is not cut short.
    if (claim.state !== 'claimed' && !req.is('application/json')) req.resume();
    switch (claim.state) {
      case 'in-progress':
        throw new HttpError(
          409,
          'conflict',
          'A request with this Idempotency-Key is still being handled; retry once it has been answered.',
          {},
          { 'Retry-After': '1' },
        );
      case 'mismatch':
        throw new HttpError(
          422,
          'idempotency_key_reused',
          `This Idempotency-Key was used for another request (${claim.route === route ? 'another body' : claim.route}): use a new key for a new request.`,
        );
      case 'done':
        for (const [name, value] of Object.entries(claim.headers)) res.setHeader(name, value);
        res.setHeader(REPLAYED_HEADER, 'true');
        res.status(claim.status).json(isSealed(claim.body) ? await sealer.open(claim.body) : claim.body);
        return;
      case 'claimed':
        keepAnswer(req, res, {
          // Sealed like personal data: an answer may hold a secret shown once (a new API key, a webhook secret).
          keep: async (answer) => store.complete(tenantId, key, { ...answer, body: await sealer.seal(answer.body ?? null) }),
          release: () => store.release(tenantId, key),
        });
        return next();
    }
  };
}

/**
 * Records the JSON answer before it is sent, so a retry that follows the answer always finds it:
 * under 500 it is kept; a 5xx, an answer to a client that is gone, an answer that cannot be stored
 * (e.g. text PostgreSQL's JSON refuses) or a request closed with no JSON answer give the key up.
 */
export function keepAnswer(
  req: Request,
  res: Response,
  key: { keep: (answer: { status: number; body: unknown; headers: Record<string, string> }) => Promise<unknown>; release: () => Promise<unknown> },
): void {
  let settled = false;
  const json = res.json.bind(res);
  const warn = (error: unknown) => req.log.warn({ err: error }, 'idempotency key not recorded');
  res.json = (body: unknown) => {
    if (settled) return json(body);
    settled = true;
    const headers = Object.fromEntries(REPLAYED_HEADERS.flatMap((name) => (res.hasHeader(name) ? [[name, String(res.getHeader(name))]] : [])));
    const recorded =
      res.statusCode >= 500 || req.socket.destroyed
        ? key.release()
        : key.keep({ status: res.statusCode, body, headers }).catch(async (error: unknown) => {
            await key.release();
            throw error;
          });
    void recorded.catch(warn).finally(() => {
      if (!res.headersSent) json(body);
    });
    return res;
  };
  res.on('close', () => {
    if (settled) return;
    settled = true;
    key.release().catch(warn);
  });
}

/** What "the same request" means for a key: see {@link idempotency}. */
function fingerprint(req: Request): string {
  const hash = createHash('sha256').update(req.method).update('\0').update(req.originalUrl).update('\0');
  if (req.is('application/json')) {
    hash.update(JSON.stringify(req.body ?? null));
  } else {
    for (const header of ['content-type', 'content-length', 'content-digest', 'repr-digest']) hash.update(`${header}:${req.get(header) ?? ''}\0`);
  }
  return hash.digest('base64url');
}
