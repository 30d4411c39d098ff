import { Writable } from 'node:stream';
import express, { type Express } from 'express';
import pino from 'pino';
import request from 'supertest';
import { createErrorMapper } from './error-mapping';
import { errorMiddleware, unknownRoute, type ErrorMiddlewareOptions } from './error-middleware';
import { HttpError, badRequest, forbidden, notFound, unauthorized } from './http-error';
import { requestLogging } from './request-logging';

/** Log lines written by the app's request logger. */
function logSink(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

function app(options: ErrorMiddlewareOptions = {}, logger?: pino.Logger): Express {
  const app = express();
  app.use(requestLogging({ logger }));
  app.post('/json', express.json({ limit: '32b' }), (req, res) => {
    res.json({ got: req.body as unknown });
  });
  app.post('/latin', express.json(), (_req, res) => {
    res.json({});
  });
  app.get('/limited', () => {
    throw new HttpError(429, 'rate_limited', 'Slow down.', { retry_after_seconds: 3 }, { 'Retry-After': '3' });
  });
  app.get('/denied', () => {
    throw unauthorized('Token required.', { realm: 'test' });
  });
  app.get('/boom', () => {
    throw new Error('secret internals');
  });
  app.get('/late', (_req, res, next) => {
    res.status(200).write('partial');
    next(new Error('after headers'));
  });
  app.use(unknownRoute((method, path) => notFound(`No route for ${method} ${path}.`)));
  app.use(errorMiddleware(options));
  return app;
}

describe('errorMiddleware', () => {
  it('answers body-parser failures: 400 invalid_json, 413 too_large, other 4xx invalid_request', async () => {
    const server = request(app());
    const bad = await server.post('/json').set('content-type', 'application/json').send('{"a":');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: 'invalid_json', message: 'The request body is not valid JSON.' });

    const big = await server.post('/json').send({ text: 'x'.repeat(100) });
    expect(big.status).toBe(413);
    expect(big.body).toEqual({ error: 'too_large', message: 'The request body is larger than this server accepts (request entity too large).' });

    const charset = await server.post('/latin').set('content-type', 'application/json; charset=klingon').send('{}');
    expect(charset.status).toBe(415);
    expect(charset.body).toMatchObject({ error: 'invalid_request' });

    const ok = await server.post('/json').send({ a: 1 });
    expect(ok.body).toEqual({ got: { a: 1 } });
  });

  it('renders an HttpError as { error, message, ...details } with its headers', async () => {
    const res = await request(app()).get('/limited');
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('3');
    expect(res.body).toEqual({ error: 'rate_limited', message: 'Slow down.', retry_after_seconds: 3 });

    const denied = await request(app()).get('/denied');
    expect(denied.status).toBe(401);
    expect(denied.headers['www-authenticate']).toBe('Bearer realm="test"');
    expect(denied.body).toEqual({ error: 'unauthorized', message: 'Token required.' });
  });

  it('answers an unknown route with the JSON 404 the app chose', async () => {
    const res = await request(app()).delete('/nowhere');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'not_found', message: 'No route for DELETE /nowhere.' });
  });

  it('answers unexpected errors with a 500 that leaks nothing, and logs them with the request id', async () => {
    const { logger, lines } = logSink();
    const res = await request(app({}, logger)).get('/boom').set('x-request-id', 'req-42');
    expect(res.status).toBe(500);
    expect(res.headers['x-request-id']).toBe('req-42');
    expect(res.body).toEqual({ error: 'internal', message: 'Internal error; the request id is in the x-request-id header.' });
    expect(JSON.stringify(res.body)).not.toContain('secret');
    const logged = lines.find((line) => line['msg'] === 'unhandled error');
    expect(logged).toMatchObject({ level: 50, req: { id: 'req-42' }, err: { message: 'secret internals' } });
  });

  it('takes the app mapping and logging policy', async () => {
    const { logger, lines } = logSink();
    const custom = app(
      {
        toHttpError: createErrorMapper({
          invalidJson: (error) => badRequest('bad_body', 'Not JSON.', { issues: [] }, { cause: error }),
          internal: (error) => new HttpError(500, 'internal_error', 'Unexpected.', {}, {}, { cause: error }),
        }),
        shouldLog: () => false,
      },
      logger,
    );
    const bad = await request(custom).post('/json').set('content-type', 'application/json').send('nope');
    expect(bad.body).toEqual({ error: 'bad_body', message: 'Not JSON.', issues: [] });
    const big = await request(custom)
      .post('/json')
      .send({ text: 'x'.repeat(100) });
    expect(big.body).toMatchObject({ error: 'too_large' });
    const boom = await request(custom).get('/boom');
    expect(boom.body).toEqual({ error: 'internal_error', message: 'Unexpected.' });
    expect(lines.some((line) => line['msg'] === 'unhandled error')).toBe(false);
  });

  it('hands errors after the headers went out to express, which ends the response', async () => {
    const res = await request(app())
      .get('/late')
      .then(
        (r) => r.status,
        () => 'cut',
      );
    expect([200, 'cut']).toContain(res);
  });
});

describe('HttpError helpers', () => {
  it('build the usual answers', () => {
    expect(badRequest('invalid_csv', 'Bad line.', { line: 3 })).toMatchObject({ status: 400, code: 'invalid_csv', details: { line: 3 }, headers: {} });
    expect(notFound('No such job.')).toMatchObject({ status: 404, code: 'not_found', message: 'No such job.', details: {} });
    expect(forbidden('No role.')).toMatchObject({ status: 403, code: 'forbidden' });
    const cause = new Error('expired');
    const error = unauthorized('Bad token.', { realm: 'codec-server', cause });
    expect(error).toMatchObject({ status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="codec-server"' }, cause });
    expect(error).toBeInstanceOf(HttpError);
    expect(error.name).toBe('HttpError');
  });
});
