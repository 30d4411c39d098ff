import express from 'express';
import request from 'supertest';
import { createLogger } from './logger';
import { healthRoutes } from './health';
import { createMetricsRegistry, httpMetrics, keyProviderCallsMetric, metricsRoute, totalsCounter } from './metrics';
import { startOpsServer } from './ops-server';
import { closeServer } from '../shutdown';

describe('createLogger', () => {
  it('writes one JSON line with the base fields and redacts personal fields and credentials, top level and one down', () => {
    const lines: string[] = [];
    const logger = createLogger({ service: 'svc', level: 'info', destination: { write: (line: string) => lines.push(line) } });
    logger.info({ jobId: 'j-1', email: 'ada@example.com', input: { email: 'bob@example.com', phone: '+15550100' }, apiKey: 'ek_secret' }, 'row done');
    const line = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(line).toMatchObject({ service: 'svc', pid: process.pid, jobId: 'j-1', msg: 'row done', email: '[redacted]', apiKey: '[redacted]' });
    expect(line.input).toEqual({ email: '[redacted]', phone: '[redacted]' });
    expect(typeof line.time).toBe('string');
    expect(lines.join('')).not.toMatch(/ada@|bob@|5550100|ek_secret/);
  });
});

describe('healthRoutes', () => {
  it('answers /health whatever the dependencies say, and /ready 503 naming the check that failed or timed out', async () => {
    const app = express();
    app.use(
      healthRoutes({
        timeoutMs: 50,
        checks: { postgres: async () => 'ok', temporal: () => new Promise(() => undefined), keys: async () => Promise.reject(new Error('kms down')) },
      }),
    );
    await request(app).get('/health').expect(200, { status: 'ok' });
    const ready = await request(app).get('/ready').expect(503);
    expect(ready.body).toMatchObject({
      status: 'not_ready',
      checks: { postgres: { ok: true }, temporal: { ok: false, error: 'no answer within 50 ms' }, keys: { ok: false, error: 'kms down' } },
    });
  });

  it('answers /ready 200 once every check answers', async () => {
    const app = express().use(healthRoutes({ checks: { postgres: async () => undefined } }));
    const ready = await request(app).get('/ready').expect(200);
    expect(ready.body).toMatchObject({ status: 'ready', checks: { postgres: { ok: true } } });
  });
});

describe('httpMetrics', () => {
  it('counts requests by route pattern (never by id) and status, and serves them with the process metrics', async () => {
    const registry = createMetricsRegistry('svc');
    const app = express();
    app.use(httpMetrics(registry));
    app.get('/v1/jobs/:jobId', (req, res) => {
      res.status(req.params.jobId === 'missing' ? 404 : 200).json({});
    });
    app.get('/metrics', metricsRoute(registry));
    await request(app).get('/v1/jobs/a1').expect(200);
    await request(app).get('/v1/jobs/b2').expect(200);
    await request(app).get('/v1/jobs/missing').expect(404);
    await request(app).get('/nowhere').expect(404);
    const text = (await request(app).get('/metrics').expect(200)).text;
    expect(text).toContain('http_requests_total{method="GET",route="/v1/jobs/:jobId",status="200",service="svc"} 2');
    expect(text).toContain('http_requests_total{method="GET",route="/v1/jobs/:jobId",status="404",service="svc"} 1');
    expect(text).toContain('route="unmatched"');
    expect(text).not.toContain('a1');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('http_request_duration_seconds_bucket');
  });
});

describe('totalsCounter and keyProviderCallsMetric', () => {
  it('export the running totals kept elsewhere as they are at each scrape', async () => {
    const registry = createMetricsRegistry('svc');
    const stats = { read: 1 };
    totalsCounter(registry, { name: 'things_total', help: 'Things.', labelNames: ['result'], read: () => [[{ result: 'read' }, stats.read]] });
    const calls = { generateDataKey: { ok: 2, error: 0 }, unwrap: { ok: 5, error: 1 } };
    keyProviderCallsMetric(registry, calls);
    expect(await registry.metrics()).toContain('things_total{result="read",service="svc"} 1');
    stats.read = 7;
    calls.unwrap.ok = 6;
    const text = await registry.metrics();
    expect(text).toContain('things_total{result="read",service="svc"} 7');
    expect(text).toContain('enrich_key_provider_calls_total{operation="generate_data_key",outcome="ok",service="svc"} 2');
    expect(text).toContain('enrich_key_provider_calls_total{operation="unwrap",outcome="ok",service="svc"} 6');
    expect(text).toContain('enrich_key_provider_calls_total{operation="unwrap",outcome="error",service="svc"} 1');
  });
});

describe('startOpsServer', () => {
  it('serves /health, /ready and /metrics and nothing else', async () => {
    const registry = createMetricsRegistry('worker');
    const server = await startOpsServer({ host: '127.0.0.1', port: 0, registry, checks: { postgres: async () => undefined } });
    try {
      const address = server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      expect((await fetch(`${url}/health`)).status).toBe(200);
      expect(await (await fetch(`${url}/ready`)).json()).toMatchObject({ status: 'ready' });
      expect(await (await fetch(`${url}/metrics`)).text()).toContain('service="worker"');
      const other = await fetch(`${url}/v1/jobs`);
      expect(other.status).toBe(404);
      expect(await other.json()).toMatchObject({ error: 'not_found' });
    } finally {
      await closeServer(server);
    }
  });
});
