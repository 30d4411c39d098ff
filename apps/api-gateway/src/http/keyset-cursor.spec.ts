import { HttpError } from '@enrich/http';
import { decodeCursor, encodeCursor } from './keyset-cursor';

describe('keyset cursor', () => {
  const last = { createdAt: new Date('2026-03-04T05:06:07.089Z'), id: '0b5c6e52-6f0e-4d4b-9a53-2f1f8c6f0a11' };

  it('gives back the position it was made from, in URL-safe characters only', () => {
    const cursor = encodeCursor(last);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(last);
  });

  it('takes any row with a creation time and an id (a job, a delivery), keeping only those two', () => {
    const delivery = { ...last, id: 'msg_x', status: 'DELIVERED', attemptCount: 2 };
    expect(decodeCursor(encodeCursor(delivery))).toEqual({ createdAt: last.createdAt, id: 'msg_x' });
  });

  const garbage: Array<[string, string]> = [
    ['an empty cursor', ''],
    ['a cursor that is not base64url JSON', 'not-a-cursor'],
    ['a tampered cursor', `${encodeCursor(last).slice(0, -3)}AAA`],
    ['JSON that is not a pair', Buffer.from('{"createdAt":1}').toString('base64url')],
    ['JSON null', Buffer.from('null').toString('base64url')],
    ['a pair without a date', Buffer.from(JSON.stringify(['yesterday', 'id'])).toString('base64url')],
    ['a pair whose id is not a string', Buffer.from(JSON.stringify([last.createdAt.toISOString(), 7])).toString('base64url')],
  ];

  it.each(garbage)('answers %s with a 400 invalid_request naming cursor, as the list routes always did', (_label, cursor) => {
    let error: unknown;
    try {
      decodeCursor(cursor);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({
      status: 400,
      code: 'invalid_request',
      message: 'cursor: not a cursor this API gave out; use the `next` of the previous page',
      details: { issues: [{ path: 'cursor', message: 'must be the `next` value of the previous page' }] },
    });
  });
});
