import express from 'express';
import request from 'supertest';
import { keepAnswer } from './idempotency';

/** When an Idempotency-Key's answer is recorded, and when the key is given up (no database: a recording key). */
describe('keepAnswer', () => {
  type Answer = { status: number; body: unknown; headers: Record<string, string> };

  function appWith(handler: express.RequestHandler, keep: (answer: Answer) => Promise<unknown> = async () => undefined) {
    const events: string[] = [];
    const app = express();
    app.use((req, _res, next) => {
      (req as unknown as { log: { warn: () => void } }).log = { warn: () => events.push('warned') };
      next();
    });
    app.post(
      '/thing',
      (req, res, next) => {
        keepAnswer(req, res, {
          keep: async (answer) => {
            await new Promise((resolve) => setTimeout(resolve, 20));
            await keep(answer);
            events.push(`kept ${answer.status} ${JSON.stringify(answer.body)} ${answer.headers['location'] ?? '-'}`);
          },
          release: async () => {
            events.push('released');
          },
        });
        next();
      },
      handler,
    );
    return { app, events };
  }

  it('records an answer under 500 before the client receives it', async () => {
    const { app, events } = appWith((_req, res) => {
      res.status(201).location('/thing/1').json({ id: 1 });
    });
    const answer = await request(app).post('/thing').expect(201);
    expect(answer.body).toEqual({ id: 1 });
    expect(events).toEqual(['kept 201 {"id":1} /thing/1']);
  });

  it('gives the key up on a 5xx', async () => {
    const { app, events } = appWith((_req, res) => {
      res.status(503).json({ error: 'unavailable' });
    });
    await request(app).post('/thing').expect(503);
    expect(events).toEqual(['released']);
  });

  it('gives the key up when the answer cannot be stored, and still answers', async () => {
    const { app, events } = appWith(
      (_req, res) => {
        res.status(201).json({ id: 2 });
      },
      async () => {
        throw new Error('store refused');
      },
    );
    await request(app).post('/thing').expect(201, { id: 2 });
    expect(events).toEqual(['released', 'warned']);
  });

  it('gives the key up when the request ends with no JSON answer', async () => {
    const { app, events } = appWith((_req, res) => {
      res.status(204).end();
    });
    await request(app).post('/thing').expect(204);
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['released']);
  });
});
