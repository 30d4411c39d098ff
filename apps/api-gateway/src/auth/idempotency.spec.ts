import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { type GatewayFixture, startGateway } from '../test-support/gateway-fixture';

/** `Idempotency-Key` on every POST, over real HTTP with the real database. */
describe('Idempotency-Key', () => {
  let fixture: GatewayFixture;

  beforeAll(async () => {
    fixture = await startGateway({ knobs: { latencyMs: 0, jitterMs: 0 }, maxUploadBytes: 1024 * 1024 });
  }, 60_000);
  afterAll(() => fixture?.close());

  const keyCount = async () => (await fixture.api().get('/v1/keys').expect(200)).body.keys.length;

  it('replays the first answer to the same request, and makes nothing twice', async () => {
    const before = await keyCount();
    const first = await fixture
      .api()
      .post('/v1/keys')
      .set('idempotency-key', 'make-reader')
      .send({ name: 'reader', scopes: ['read'] })
      .expect(201);
    const again = await fixture
      .api()
      .post('/v1/keys')
      .set('idempotency-key', 'make-reader')
      .send({ name: 'reader', scopes: ['read'] })
      .expect(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['location']).toBe(first.headers['location']);
    expect([first.headers['idempotent-replayed'], again.headers['idempotent-replayed']]).toEqual([undefined, 'true']);
    expect(await keyCount()).toBe(before + 1);
    // The answer holds the new key's secret: it is kept sealed, never in the clear.
    const stored = await fixture.db.prisma.idempotencyRecord.findFirstOrThrow({ where: { key: 'make-reader' } });
    expect(JSON.stringify(stored.body)).not.toContain(first.body.key);
  });

  it('replays an upload: one job for two identical requests', async () => {
    const csv = 'email\nsame@example.com\n';
    const first = await fixture.api().post('/v1/jobs').set('idempotency-key', 'upload-1').set('content-type', 'text/csv').send(csv).expect(202);
    const again = await fixture.api().post('/v1/jobs').set('idempotency-key', 'upload-1').set('content-type', 'text/csv').send(csv).expect(202);
    expect(again.body.id).toBe(first.body.id);
    expect(await fixture.db.prisma.job.count({ where: { sourceName: first.body.sourceName } })).toBe(1);
  });

  it('replays a refusal as it was (a 400 stays a 400)', async () => {
    const bad = () => fixture.api().post('/v1/keys').set('idempotency-key', 'bad-body').send({ name: '', scopes: [] });
    const first = await bad().expect(400);
    const again = await bad().expect(400);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
  });

  it('422 when the key comes back with another request; 400 for a malformed key', async () => {
    await fixture
      .api()
      .post('/v1/keys')
      .set('idempotency-key', 'reused')
      .send({ name: 'one', scopes: ['read'] })
      .expect(201);
    const other = await fixture
      .api()
      .post('/v1/keys')
      .set('idempotency-key', 'reused')
      .send({ name: 'two', scopes: ['read'] })
      .expect(422);
    expect(other.body.error).toBe('idempotency_key_reused');
    const elsewhere = await fixture.api().post('/v1/enrichment-requests').set('idempotency-key', 'reused').send({ erid: 'x' }).expect(422);
    expect(elsewhere.body.message).toContain('POST /v1/keys');
    await fixture
      .api()
      .post('/v1/keys')
      .set('idempotency-key', 'has space')
      .send({ name: 'x', scopes: ['read'] })
      .expect(400);
  });

  it('409 while the first request with the key is still being handled', async () => {
    // The first request: an upload whose body is still on its way.
    const { port } = fixture.server.address() as AddressInfo;
    const body = 'email\nslow@example.com\n';
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    await new Promise((resolve) => socket.on('connect', resolve));
    socket.write(
      [
        'POST /v1/jobs HTTP/1.1',
        'host: localhost',
        `authorization: Bearer ${fixture.apiKey}`,
        'idempotency-key: slow-upload',
        'content-type: text/csv',
        `content-length: ${body.length}`,
        'connection: close',
        '',
        'email\n',
      ].join('\r\n'),
    );
    // The key is claimed once the first request reaches its handler.
    for (let i = 0; i < 100 && (await fixture.db.prisma.idempotencyRecord.count({ where: { key: 'slow-upload' } })) === 0; i++) await sleep(20);
    const second = await fixture.api().post('/v1/jobs').set('idempotency-key', 'slow-upload').set('content-type', 'text/csv').send(body).expect(409);
    expect(second.headers['retry-after']).toBe('1');
    socket.write(body.slice('email\n'.length));
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 202 /);
    const replay = await fixture.api().post('/v1/jobs').set('idempotency-key', 'slow-upload').set('content-type', 'text/csv').send(body).expect(202);
    expect(replay.headers['idempotent-replayed']).toBe('true');
  });

  it('an expired key is a new key', async () => {
    await fixture
      .api()
      .post('/v1/keys')
      .set('idempotency-key', 'expiring')
      .send({ name: 'old', scopes: ['read'] })
      .expect(201);
    await fixture.db.prisma.idempotencyRecord.updateMany({ where: { key: 'expiring' }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    const fresh = await fixture
      .api()
      .post('/v1/keys')
      .set('idempotency-key', 'expiring')
      .send({ name: 'new', scopes: ['read'] })
      .expect(201);
    expect(fresh.body.name).toBe('new');
    expect(fresh.headers['idempotent-replayed']).toBeUndefined();
  });

  it("keys are per tenant: another tenant's request with the same key is its own", async () => {
    const other = await fixture.tenants.create({ slug: 'other-idem', name: 'Other' });
    const { key } = await fixture.keys.create(other.id, { name: 'admin', scopes: ['admin'] });
    const mine = await fixture
      .api()
      .post('/v1/keys')
      .set('idempotency-key', 'shared-key')
      .send({ name: 'mine', scopes: ['read'] })
      .expect(201);
    const theirs = await fixture
      .api()
      .post('/v1/keys')
      .set('authorization', `Bearer ${key}`)
      .set('idempotency-key', 'shared-key')
      .send({ name: 'theirs', scopes: ['read'] })
      .expect(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
