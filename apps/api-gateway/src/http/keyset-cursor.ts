import { badRequest } from '@enrich/http';

/** Where a page of a newest-first list ends: the last item's creation time and id (the keyset). */
export interface KeysetPosition {
  createdAt: Date;
  id: string;
}

/**
 * The keyset cursor of a newest-first list (jobs, webhook deliveries): the last item's creation time
 * and id, opaque to callers (base64url of a JSON pair).
 */
export function encodeCursor(last: KeysetPosition): string {
  return Buffer.from(JSON.stringify([last.createdAt.toISOString(), last.id])).toString('base64url');
}

/** The position a cursor of {@link encodeCursor} names; anything else is a 400 `invalid_request` naming `cursor`. */
export function decodeCursor(cursor: string): KeysetPosition {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const at = new Date(createdAt);
    if (typeof id === 'string' && !Number.isNaN(at.getTime())) return { createdAt: at, id };
  } catch {
    // answered below
  }
  throw badRequest('invalid_request', 'cursor: not a cursor this API gave out; use the `next` of the previous page', {
    issues: [{ path: 'cursor', message: 'must be the `next` value of the previous page' }],
  });
}
