import { once } from 'node:events';
import { createServer, request as httpRequest, Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { closeServer, nextShutdownSignal } from './shutdown';

/** An express server on port 0 whose `/slow` answers after `slowMs`, and `/hang` never. */
async function listen(slowMs: number): Promise<Server> {
  const app = express();
  app.get('/fast', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/slow', (_req, res) => {
    setTimeout(() => res.json({ ok: 'slow' }), slowMs);
  });
  app.get('/hang', () => undefined);
  const server = createServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

function get(server: Server, path: string, agent?: Agent): Promise<{ status: number; body: string }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    // Without an agent: `Connection: close`, so the connection ends with its answer.
    httpRequest({ host: '127.0.0.1', port, path, agent: agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe('closeServer', () => {
  it('closes idle keep-alive connections at once and lets in-flight requests finish', async () => {
    const server = await listen(150);
    const agent = new Agent({ keepAlive: true });
    try {
      expect((await request(server).get('/fast')).status).toBe(200);
      await get(server, '/fast', agent); // leaves an idle keep-alive socket
      const inFlight = get(server, '/slow');
      await new Promise((resolve) => setTimeout(resolve, 30));
      const started = Date.now();
      await closeServer(server, { graceMs: 5_000 });
      expect(await inFlight).toEqual({ status: 200, body: '{"ok":"slow"}' });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(server.listening).toBe(false);
    } finally {
      agent.destroy();
    }
  });

  it('cuts requests still running after the grace period', async () => {
    const server = await listen(0);
    const hanging = get(server, '/hang').then(
      () => 'answered',
      (error: NodeJS.ErrnoException) => error.code,
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    const started = Date.now();
    await closeServer(server, { graceMs: 100 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(await hanging).toBe('ECONNRESET');
  });

  it('rejects when the server is not running', async () => {
    const server = createServer();
    await expect(closeServer(server, { graceMs: 10 })).rejects.toMatchObject({ code: 'ERR_SERVER_NOT_RUNNING' });
  });
});

describe('nextShutdownSignal', () => {
  it('resolves with the first signal and removes its listeners', async () => {
    const before = process.listenerCount('SIGTERM');
    const signal = nextShutdownSignal(['SIGINT', 'SIGTERM']);
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    process.emit('SIGTERM', 'SIGTERM');
    await expect(signal).resolves.toBe('SIGTERM');
    expect(process.listenerCount('SIGTERM')).toBe(before);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });
});
