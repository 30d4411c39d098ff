import { customersCsv } from '@enrich/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { type GatewayFixture, startGateway } from '../test-support/gateway-fixture';

/** A job whose vendor answers nothing but 503s: its progress says which activity is retried and why. */
describe('GET /v1/jobs/:id while its pages are retried', () => {
  let fixture: GatewayFixture;

  beforeAll(async () => {
    fixture = await startGateway({ knobs: { latencyMs: 0, jitterMs: 0, failureRate: 1 }, maxUploadBytes: 1024 * 1024 });
  }, 60_000);
  afterAll(() => fixture?.close());

  it('names the activity, its attempt and the last failure, decoded, with its type', async () => {
    const submitted = await fixture
      .api()
      .post('/v1/jobs?pageSize=5')
      .set('content-type', 'text/csv')
      .send(customersCsv({ rows: 5, seed: 77 }))
      .expect(202);
    const id = submitted.body.id as string;
    let progress: { retrying?: Array<{ activity: string; attempt: number; reason: string; type?: string; nextAttemptAt?: string }> } = {};
    for (let i = 0; i < 300 && !progress.retrying; i++) {
      progress = (await fixture.api().get(`/v1/jobs/${id}`).expect(200)).body.progress;
      if (!progress.retrying) await sleep(100);
    }
    expect(progress.retrying).toEqual([
      {
        activity: 'enrichPage',
        attempt: expect.any(Number),
        reason: expect.stringMatching(/^5 row\(s\) of rows 1-5 are still pending: demographics: unavailable \(503\)/),
        type: 'ProviderUnavailable',
        nextAttemptAt: expect.any(String),
      },
    ]);
    expect(progress.retrying?.[0].attempt).toBeGreaterThanOrEqual(2);
    // The job can still be cancelled while its page waits.
    await fixture.api().post(`/v1/jobs/${id}/cancel`).expect(202);
  });
});
