import express from 'express';
import type { Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { listen } from './listen';

/**
 * A slow or silent client costs the server one connection for a bounded time, and nothing else: the
 * timeouts here are small so the test is short; what is checked is that the connection ends, not how fast.
 */
describe('listen', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    const app = express();
    app.post('/upload', (req, res) => {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => (bytes += chunk.length));
      req.on('end', () => res.json({ bytes }));
    });
    app.get('/ping', (_req, res) => res.json({ ok: true }));
    server = await listen(app, 0, '127.0.0.1', { headersMs: 500, requestMs: 1_000, idleMs: 1_500, checkEveryMs: 100 });
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Opens a connection, runs `talk` on it, and resolves with what came back once the server closes it. */
  function converse(talk: (socket: Socket) => void): Promise<string> {
    return new Promise((resolve, reject) => {
      let answer = '';
      const socket = connect(port, '127.0.0.1', () => talk(socket));
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
      // Ends a broken run only; a working server closes the connection long before.
      setTimeout(() => socket.destroy(new Error('the server kept the connection open')), 20_000).unref();
    });
  }

  const ping = async () => (await fetch(`http://127.0.0.1:${port}/ping`)).json();

  it('closes a connection whose headers never finish', async () => {
    const answer = converse((socket) => socket.write('POST /upload HTTP/1.1\r\nHost: x\r\n'));
    expect(await ping()).toEqual({ ok: true });
    expect(await answer).toMatch(/^(HTTP\/1\.1 408 |$)/);
  });

  it('ends a request whose body trickles in slower than the request timeout allows', async () => {
    let timer: NodeJS.Timeout | undefined;
    const answer = converse((socket) => {
      socket.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n');
      // One byte every 50 ms: 50 s for the body, far past the 1 s request timeout.
      timer = setInterval(() => socket.writable && socket.write('x'), 50);
    });
    expect(await ping()).toEqual({ ok: true });
    const text = await answer;
    clearInterval(timer);
    expect(text).not.toContain('"bytes":1000');
    expect(text).toMatch(/^(HTTP\/1\.1 408 |$)/);
  });

  it('serves a request that arrives in time', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/upload`, { method: 'POST', body: 'x'.repeat(1000) });
    expect(await res.json()).toEqual({ bytes: 1000 });
  });
});
