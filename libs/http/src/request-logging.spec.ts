import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { requestLogging } from './request-logging';

function app(options: Parameters<typeof requestLogging>[0]): express.Express {
  const app = express();
  app.use(requestLogging(options));
  app.get('/id', (req, res) => {
    res.json({ id: req.id });
  });
  return app;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('requestLogging', () => {
  it('never logs credentials: the authorization and cookie headers are redacted', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    await request(app({ logger }))
      .get('/id')
      .set('authorization', 'Bearer ek_0123456789ab_secretsecretsecretsecretsecretsecretsecret')
      .set('cookie', 'session=abc');
    const logged = lines.join('');
    expect(logged).toContain('"authorization":"[redacted]"');
    expect(logged).not.toContain('secretsecret');
    expect(logged).not.toContain('session=abc');
  });

  it('keeps a safe x-request-id, replaces an unsafe one, and echoes the id', async () => {
    const kept = await request(app({})).get('/id').set('x-request-id', 'abc-123.x_y');
    expect(kept.headers['x-request-id']).toBe('abc-123.x_y');
    expect(kept.body).toEqual({ id: 'abc-123.x_y' });

    const replaced = await request(app({})).get('/id').set('x-request-id', 'bad id <script>');
    expect(replaced.headers['x-request-id']).toMatch(UUID);
    expect(replaced.body).toEqual({ id: replaced.headers['x-request-id'] });

    const fresh = await request(app({})).get('/id');
    expect(fresh.headers['x-request-id']).toMatch(UUID);
  });

  it('takes the acceptance rule, or no request id header at all', async () => {
    const any = await request(app({ requestIds: { accept: () => true } }))
      .get('/id')
      .set('x-request-id', 'bad id');
    expect(any.headers['x-request-id']).toBe('bad id');

    const none = await request(app({ requestIds: false }))
      .get('/id')
      .set('x-request-id', 'given');
    expect(none.headers['x-request-id']).toBeUndefined();
    expect(typeof none.body.id).toBe('number');
  });
});
