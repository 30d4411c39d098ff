import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { churnPredictionSchema, fraudScoreSchema, retryStrategySchema, type ChurnFeatures, type FraudFeatures, type RetryFeatures } from '@enrich/domain';
import { createMockEnrichmentApp } from '../app';
import { QUIET, startMock, stopMocks, type RunningMock } from '../test-support/mock-server';
import { predictChurn, recommendRetry, scoreFraud } from './models';
import { builtInInferenceEndpoints, registerInferencePaths } from './routes';

const FRAUD = '/inference/fraud';
const RETRY = '/inference/retry-strategy';
const CHURN = '/inference/churn';
const MODELS = ['fraud-logit', 'retry-strategy-gbt', 'churn-logit'];

const fraud: FraudFeatures = { amount: 250_000, currency: 'EUR', cardCountry: 'US', billingCountry: 'DE', bin: '424242', customerEventsLastHour: 8 };
const retry: RetryFeatures = { declineCode: 'insufficient_funds', amount: 5000, currency: 'EUR', customerFailuresLast30Days: 2 };
const churn: ChurnFeatures = { customerEventsLast30Days: 4, customerFailuresLast30Days: 1, customerTenureDays: 120, lastPaymentFailed: true };
const zero = { calls: 0, ok: 0, rate_limited: 0, failed: 0, invalid: 0 };

afterAll(stopMocks);

describe('inference routes over HTTP', () => {
  let mock: RunningMock;
  beforeAll(async () => {
    mock = await startMock();
  });
  beforeEach(() => {
    mock.reset();
  });

  it('answers the three models in the contract, byte for byte the pure models', async () => {
    const scored = await mock.http.post(FRAUD).send(fraud).expect(200);
    expect(scored.headers['content-type']).toMatch(/application\/json/);
    expect(fraudScoreSchema.parse(scored.body)).toEqual(scored.body);
    expect(scored.text).toBe(JSON.stringify(scoreFraud(fraud)));
    expect(scored.body).toMatchObject({ model: { name: 'fraud-logit', version: '1.0.0' }, reasons: ['velocity', 'large_amount', 'country_mismatch'] });
    expect(scored.body.score).toBeGreaterThan(0.8);

    const strategy = await mock.http.post(RETRY).send(retry).expect(200);
    expect(retryStrategySchema.parse(strategy.body)).toEqual(strategy.body);
    expect(strategy.text).toBe(JSON.stringify(recommendRetry(retry)));
    expect(strategy.body).toMatchObject({ action: 'retry', retryAfterHours: 72, model: { name: 'retry-strategy-gbt', version: '1.0.0' } });
    const hard = await mock.http
      .post(RETRY)
      .send({ ...retry, declineCode: 'stolen_card' })
      .expect(200);
    expect(hard.body).toMatchObject({ action: 'do_not_retry', retryAfterHours: null });

    const prediction = await mock.http.post(CHURN).send(churn).expect(200);
    expect(churnPredictionSchema.parse(prediction.body)).toEqual(prediction.body);
    expect(prediction.text).toBe(JSON.stringify(predictChurn(churn)));
  });

  it('answers the same features identically, whatever the request, instance or seed', async () => {
    const first = await mock.http.post(FRAUD).send(fraud).expect(200);
    const again = await mock.http
      .post(FRAUD)
      .set('x-api-key', 'someone')
      .send({ ...fraud, producerField: 'ignored' })
      .expect(200);
    const other = await startMock({ seed: 'another-seed' });
    const elsewhere = await other.http.post(FRAUD).send(fraud).expect(200);
    expect(again.text).toBe(first.text);
    expect(elsewhere.text).toBe(first.text);
  });

  it('answers 400 naming the bad field, without latency, and counts it as invalid', async () => {
    const negative = await mock.http
      .post(FRAUD)
      .send({ ...fraud, amount: -5 })
      .expect(400);
    expect(negative.body).toEqual({
      error: 'invalid_request',
      message: 'The request body is invalid.',
      issues: [{ path: 'amount', message: expect.any(String) }],
    });
    const { bin: _bin, ...withoutBin } = fraud;
    const missing = await mock.http
      .post(FRAUD)
      .send({ ...withoutBin, customerEventsLastHour: 1.5 })
      .expect(400);
    expect(missing.body.issues.map((issue: { path: string }) => issue.path).sort()).toEqual(['bin', 'customerEventsLastHour']);
    const code = await mock.http
      .post(RETRY)
      .send({ ...retry, declineCode: '' })
      .expect(400);
    expect(code.body.issues).toEqual([{ path: 'declineCode', message: expect.any(String) }]);
    const flag = await mock.http
      .post(CHURN)
      .send({ ...churn, lastPaymentFailed: 'yes' })
      .expect(400);
    expect(flag.body.issues).toEqual([{ path: 'lastPaymentFailed', message: expect.any(String) }]);
    const notJson = await mock.http.post(CHURN).set('content-type', 'application/json').send('{"customerTenureDays":').expect(400);
    expect(notJson.body).toMatchObject({ error: 'invalid_request', issues: [{ path: '', message: 'body is not valid JSON' }] });

    const listed = await mock.http.get('/admin/inference').expect(200);
    expect(listed.body.models.map((model: { name: string; counts: unknown }) => [model.name, model.counts])).toEqual([
      ['fraud-logit', { ...zero, calls: 2, invalid: 2 }],
      ['retry-strategy-gbt', { ...zero, calls: 1, invalid: 1 }],
      ['churn-logit', { ...zero, calls: 2, invalid: 2 }],
    ]);
    const slow = await startMock({ knobs: { latencyMs: 2000 } });
    const started = performance.now();
    await slow.http.post(FRAUD).send({}).expect(400);
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('answers 503 to the failureRate knob of the x-mock-knobs header, for every model or one', async () => {
    const failed = await mock.http.post(FRAUD).set('x-mock-knobs', '{"failureRate":1}').send(fraud).expect(503);
    expect(failed.body).toEqual({ error: 'provider_unavailable', message: 'model fraud-logit@1.0.0 is temporarily unavailable; retry later.' });
    const one = JSON.stringify({ providers: { 'churn-logit': { failureRate: 1 }, demographics: { notFoundRate: 1 } } });
    await mock.http.post(CHURN).set('x-mock-knobs', one).send(churn).expect(503);
    await mock.http.post(RETRY).set('x-mock-knobs', one).send(retry).expect(200);
    // A model always answers: the unknown-record knob of the providers does not apply.
    await mock.http.post(FRAUD).set('x-mock-knobs', '{"notFoundRate":1}').send(fraud).expect(200);
    const stats = await mock.http.get('/admin/inference').expect(200);
    expect(stats.body.models[0].counts).toEqual({ ...zero, calls: 2, ok: 1, failed: 1 });
    expect(stats.body.models[2].counts).toEqual({ ...zero, calls: 1, failed: 1 });
  });

  it('refuses a malformed x-mock-knobs header, or one naming an unknown target', async () => {
    const malformed = await mock.http.post(FRAUD).set('x-mock-knobs', '{nope').send(fraud).expect(400);
    expect(malformed.body.issues).toEqual([{ path: 'x-mock-knobs', message: expect.any(String) }]);
    const range = await mock.http.post(FRAUD).set('x-mock-knobs', '{"failureRate":2}').send(fraud).expect(400);
    expect(range.body.issues[0].path).toBe('x-mock-knobs.failureRate');
    const unknown = await mock.http.post(FRAUD).set('x-mock-knobs', '{"providers":{"horoscope":{"failureRate":1}}}').send(fraud).expect(400);
    expect(unknown.body.issues).toEqual([{ path: 'x-mock-knobs.providers.horoscope', message: expect.stringContaining('churn-logit') }]);
  });

  it('fails as often as the server’s failureRate says, drawing from the same random source as the providers', async () => {
    const failing = await startMock({ knobs: { failureRate: 1 } });
    await failing.http.post(RETRY).send(retry).expect(503);
    const unlucky = await startMock({ knobs: { failureRate: 0.5 }, random: () => 0.25 });
    await unlucky.http.post(CHURN).send(churn).expect(503);
    await unlucky.http.post('/v1/providers/demographics/lookup').send({ email: 'ada@example.com' }).expect(503);
    const lucky = await startMock({ knobs: { failureRate: 0.5 }, random: () => 0.75 });
    await lucky.http.post(CHURN).send(churn).expect(200);
  });

  it('waits for the configured latency and jitter', async () => {
    const slow = await startMock({ knobs: { latencyMs: 40, jitterMs: 100 }, random: () => 0.5 });
    const started = performance.now();
    await slow.http.post(FRAUD).send(fraud).expect(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(85);
  });

  it('rate limits per model with Retry-After, as the providers do', async () => {
    const limited = await startMock({ knobs: { rateLimitPerSecond: 1 } });
    const burst = await Promise.all(Array.from({ length: 3 }, () => limited.http.post(FRAUD).send(fraud)));
    expect(burst.map((res) => res.status).sort()).toEqual([200, 429, 429]);
    const refused = burst.find((res) => res.status === 429);
    expect(refused?.headers['retry-after']).toBe('1');
    expect(refused?.body).toMatchObject({ error: 'rate_limited', retry_after_seconds: 1 });
    // Another model has a bucket of its own.
    await limited.http.post(CHURN).send(churn).expect(200);
    expect(limited.inference.stats()['fraud-logit']).toEqual({ ...zero, calls: 3, ok: 1, rate_limited: 2 });
  });

  it('lets admins set knobs per model, and reset clears them and the counters', async () => {
    const initial = await mock.http.get('/admin/inference').expect(200);
    expect(initial.body.models.map((model: { name: string }) => model.name)).toEqual(MODELS);
    expect(initial.body.models[0]).toEqual({ name: 'fraud-logit', version: '1.0.0', path: FRAUD, knobs: QUIET, overrides: {}, counts: zero });

    const updated = await mock.http.put('/admin/inference/churn-logit/knobs').send({ failureRate: 1 }).expect(200);
    expect(updated.body).toMatchObject({ name: 'churn-logit', knobs: { ...QUIET, failureRate: 1 }, overrides: { failureRate: 1 } });
    await mock.http.post(CHURN).send(churn).expect(503);
    await mock.http.post(FRAUD).send(fraud).expect(200);
    const dropped = await mock.http.put('/admin/inference/churn-logit/knobs').send({ failureRate: null }).expect(200);
    expect(dropped.body.overrides).toEqual({});
    await mock.http.put('/admin/inference/churn-logit/knobs').send({ failureRate: 1 }).expect(200);

    const bad = await mock.http.put('/admin/inference/churn-logit/knobs').send({ failureRate: 3, typo: 1 }).expect(400);
    expect(bad.body.error).toBe('invalid_request');
    const unknown = await mock.http.put('/admin/inference/horoscope/knobs').send({ failureRate: 1 }).expect(404);
    expect(unknown.body).toMatchObject({ error: 'unknown_provider', providers: MODELS });

    await mock.http.post('/admin/reset').expect(200, { status: 'reset' });
    await mock.http.post(CHURN).send(churn).expect(200);
    const after = await mock.http.get('/admin/inference').expect(200);
    expect(after.body.models[2]).toMatchObject({ overrides: {}, counts: { ...zero, calls: 1, ok: 1 } });
    expect(after.body.models[0].counts).toEqual(zero);
  });

  it('counts the calls of one API key on their own, apart from the providers’ counters', async () => {
    await mock.http.post(FRAUD).set('x-api-key', 'suite-a').send(fraud).expect(200);
    await mock.http.post(RETRY).set('x-api-key', 'suite-a').set('content-type', 'application/json').send('{').expect(400);
    await mock.http.post(FRAUD).set('x-api-key', 'suite-b').send(fraud).expect(200);
    await mock.http.post(FRAUD).send(fraud).expect(200);
    const own = await mock.http.get('/admin/inference').query({ api_key: 'suite-a' }).expect(200);
    expect(own.body.models.map((model: { counts: unknown }) => model.counts)).toEqual([{ ...zero, calls: 1, ok: 1 }, { ...zero, calls: 1, invalid: 1 }, zero]);
    expect(mock.inference.stats()['fraud-logit']).toEqual({ ...zero, calls: 3, ok: 3 });
    expect(mock.inference.stats('never-seen')['fraud-logit']).toEqual(zero);
    await mock.http.get('/admin/inference?api_key=').expect(400);
    const stats = await mock.http.get('/admin/stats').expect(200);
    expect(Object.keys(stats.body.providers)).not.toContain('fraud-logit');
  });

  it('starts single models with the knobs configured for them by name, and keeps them on reset', async () => {
    const configured = await startMock({ providerKnobs: { 'fraud-logit': { failureRate: 1 }, demographics: { notFoundRate: 1 } } });
    await configured.http.post(FRAUD).send(fraud).expect(503);
    await configured.http.post(CHURN).send(churn).expect(200);
    await configured.http.post('/v1/providers/demographics/lookup').send({ email: 'ada@example.com' }).expect(404);
    await configured.http.post('/admin/reset').expect(200);
    await configured.http.post(FRAUD).send(fraud).expect(503);
    expect(configured.inference.knobs('fraud-logit')).toEqual({ ...QUIET, failureRate: 1 });
    expect(() => createMockEnrichmentApp({ seed: 's', defaultKnobs: QUIET, providerKnobs: { 'fraud-logit': { failureRate: 2 } } })).toThrow();
  });

  it('answers 404 to an unknown inference route', async () => {
    const res = await mock.http.post('/inference/horoscope').send({}).expect(404);
    expect(res.body.error).toBe('route_not_found');
  });
});

describe('inference OpenAPI paths', () => {
  const registry = new OpenAPIRegistry();
  registerInferencePaths(registry);
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({ openapi: '3.1.0', info: { title: 'inference', version: '0' } });

  it('documents every model with the contract’s schemas and the providers’ parameters and answers', () => {
    expect(Object.keys(document.paths ?? {}).sort()).toEqual(['/admin/inference', '/admin/inference/{name}/knobs', CHURN, FRAUD, RETRY].sort());
    const operation = document.paths?.[FRAUD]?.post;
    expect(operation?.operationId).toBe('inferFraud');
    expect(operation?.requestBody).toMatchObject({ content: { 'application/json': { schema: { $ref: '#/components/schemas/FraudFeatures' } } } });
    expect(operation?.responses?.['200']).toMatchObject({ content: { 'application/json': { schema: { $ref: '#/components/schemas/FraudScore' } } } });
    expect(Object.keys(operation?.responses ?? {}).sort()).toEqual(['200', '400', '429', '503']);
    expect(operation?.parameters).toEqual([{ $ref: '#/components/parameters/MockKnobsHeader' }, { $ref: '#/components/parameters/ApiKeyHeader' }]);
    const schemas = document.components?.schemas ?? {};
    expect(Object.keys(schemas)).toEqual(
      expect.arrayContaining(['FraudFeatures', 'FraudScore', 'RetryFeatures', 'RetryStrategy', 'ChurnFeatures', 'ChurnPrediction']),
    );
    expect(schemas['RetryFeatures']).toMatchObject({ required: expect.arrayContaining(['declineCode', 'amount', 'currency', 'customerFailuresLast30Days']) });
    expect(document.paths?.['/admin/inference/{name}/knobs']?.put?.parameters).toContainEqual(
      expect.objectContaining({ name: 'name', schema: expect.objectContaining({ enum: MODELS }) }),
    );
  });

  it('names each model after its contract reference', () => {
    expect(builtInInferenceEndpoints.map((endpoint) => [endpoint.name, endpoint.path])).toEqual([
      ['fraud-logit', FRAUD],
      ['retry-strategy-gbt', RETRY],
      ['churn-logit', CHURN],
    ]);
  });
});
