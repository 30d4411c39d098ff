import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { isEncrypted, type CodecKit } from '@enrich/codec';
import { ConfigError } from '@enrich/config';
import type { Sealed } from '@enrich/domain';
import { METADATA_ENCODING_KEY } from '@temporalio/common';
import pino from 'pino';
import request from 'supertest';
import type { PayloadsJson } from './codec/payload-json';
import { loadCodecServerConfig } from './config';
import {
  clientKit,
  encryptedBody,
  jsonValues,
  newToken,
  startCodecServer,
  startTestIssuer,
  tempKeys,
  toPayload,
  type RunningCodecServer,
  type TempKeys,
  type TestIssuer,
} from './test-support/codec-server-fixture';

const PII = newToken('pii');
const OPS = newToken('ops');
const UI_ORIGIN = 'http://127.0.0.1:8233';
const EMAIL = 'ada.lovelace@example.com';

interface Customer {
  note: string;
  email: Sealed<string>;
  nested: { phones: Sealed<string>[] };
}

describe('codec-server over HTTP', () => {
  let keys: TempKeys;
  let kit: CodecKit;
  let server: RunningCodecServer;
  let logLines: string[];
  let customer: Customer;

  beforeAll(async () => {
    keys = tempKeys();
    kit = clientKit(keys.keyFile);
    // Sealing first creates the key file the server then reads.
    customer = { note: 'known-note-1', email: await kit.sealer.seal(EMAIL), nested: { phones: [await kit.sealer.seal('+44 20 7946 0000')] } };
    logLines = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    });
    server = await startCodecServer(
      { CODEC_LOCAL_KEY_FILE: keys.keyFile, CODEC_AUTH_TOKENS: `${PII}:pii,${OPS}:ops`, CODEC_MAX_BODY_MB: '1' },
      { logger: pino({ level: 'debug' }, sink) },
    );
  });

  afterAll(async () => {
    await server.close();
    keys.remove();
  });

  const http = () => request(server.url);
  const post = (path: string, token: string | undefined, body: unknown) => {
    const req = http().post(path);
    if (token) void req.set('Authorization', `Bearer ${token}`);
    return req.send(body as object);
  };

  it('answers GET /health without auth', async () => {
    await http().get('/health').expect(200, { status: 'ok' });
  });

  it('round-trips encode then decode, ignoring the query string', async () => {
    const plain = { payloads: [{ metadata: { [METADATA_ENCODING_KEY]: b64('json/plain') }, data: b64(JSON.stringify({ hello: 'world' })) }] };
    const encoded = await post('/encode', OPS, plain).expect(200);
    const body = encoded.body as PayloadsJson;
    expect(body.payloads).toHaveLength(1);
    expect(isEncrypted(toPayload(body.payloads[0] as PayloadsJson['payloads'][number]))).toBe(true);
    expect(JSON.stringify(body)).not.toContain(b64(JSON.stringify({ hello: 'world' })));

    const decoded = await post('/decode?preserveStorageRefs=true', OPS, body).expect(200);
    expect(decoded.body).toEqual(plain);
  });

  it('decodes what a worker encrypted; pii sees sealed fields opened, ops sees them sealed', async () => {
    const body = await encryptedBody(kit, customer, 'plain string');
    const asPii = await post('/decode', PII, body).expect(200);
    expect(jsonValues(asPii.body)).toEqual([{ note: 'known-note-1', email: EMAIL, nested: { phones: ['+44 20 7946 0000'] } }, 'plain string']);

    const asOps = await post('/decode', OPS, body).expect(200);
    const [value] = jsonValues(asOps.body) as [Customer];
    expect(value.note).toBe('known-note-1');
    expect(value.email).toEqual(customer.email);
    expect(JSON.stringify(asOps.body)).not.toContain(b64(EMAIL).slice(0, 12));
    expect(Buffer.from(JSON.stringify(value)).includes(EMAIL)).toBe(false);
  });

  it('never opens sealed values on encode, whatever the role', async () => {
    const plain = { payloads: [{ metadata: { [METADATA_ENCODING_KEY]: b64('json/plain') }, data: b64(JSON.stringify(customer)) }] };
    for (const token of [OPS, PII]) {
      const encoded = await post('/encode', token, plain).expect(200);
      const [decrypted] = await kit.codec.decode([toPayload((encoded.body as PayloadsJson).payloads[0] as PayloadsJson['payloads'][number])]);
      expect(JSON.parse(Buffer.from(decrypted?.data ?? []).toString('utf8'))).toEqual(customer);
    }
  });

  it('answers 401 without a valid bearer token', async () => {
    const body = await encryptedBody(kit, 'x');
    const missing = await post('/decode', undefined, body).expect(401);
    expect(missing.body).toMatchObject({ error: 'unauthorized', message: expect.stringContaining('Bearer') });
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
    await http()
      .post('/decode')
      .set('Authorization', `Basic ${b64('a:b')}`)
      .send(body)
      .expect(401);
    await post('/decode', newToken('unknown'), body).expect(401);
    await post('/encode', 'not.a.jwt', body).expect(401);
  });

  it('names the problem on malformed input with 400, never echoing data', async () => {
    const notJson = await http()
      .post('/decode')
      .set('Authorization', `Bearer ${OPS}`)
      .set('Content-Type', 'application/json')
      .send('{"payloads": [')
      .expect(400);
    expect(notJson.body).toMatchObject({ error: 'invalid_json' });

    const noArray = await post('/decode', OPS, { payloads: 'nope' }).expect(400);
    expect(noArray.body.message).toContain('payloads');
    // Proto3 JSON leaves empty lists out: what the Temporal CLI sends for an update without arguments.
    expect((await post('/decode', OPS, {}).expect(200)).body).toEqual({ payloads: [] });

    const badBase64 = await post('/decode', OPS, {
      payloads: [
        { metadata: {}, data: b64('ok') },
        { metadata: { encoding: 'anA$$' }, data: '' },
      ],
    }).expect(400);
    expect(badBase64.body.message).toContain('payloads[1].metadata.encoding');
    expect(badBase64.body.message).not.toContain('anA$$');

    const body = await encryptedBody(kit, 'first', { secret: 'tamper-me-plaintext' });
    const target = body.payloads[1] as PayloadsJson['payloads'][number];
    const data = Buffer.from(target.data, 'base64');
    data[0] = (data[0] ?? 0) ^ 0xff;
    target.data = data.toString('base64');
    const tampered = await post('/decode', PII, body).expect(400);
    expect(tampered.body).toMatchObject({ error: 'decode_failed', index: 1, message: expect.stringContaining('payloads[1]') });
    expect(JSON.stringify(tampered.body)).not.toContain('tamper-me');
  });

  it('answers 413 past the body limit', async () => {
    const big = { payloads: [{ metadata: {}, data: Buffer.alloc(1024 * 1024 + 10, 1).toString('base64') }] };
    const res = await post('/encode', OPS, big).expect(413);
    expect(res.body).toMatchObject({ error: 'too_large' });
  });

  it('uses the namespace of the path, else of X-Namespace: a payload of A does not decode as B', async () => {
    const plain = { payloads: [{ metadata: { [METADATA_ENCODING_KEY]: b64('json/plain') }, data: b64('"for namespace a"') }] };
    const encoded = (await post('/ns-a/encode', OPS, plain).expect(200)).body as PayloadsJson;

    await post('/ns-a/decode', OPS, encoded).expect(200, plain);
    await post('/decode', OPS, encoded).set('X-Namespace', 'ns-a').expect(200, plain);
    // The path wins over the header.
    await post('/ns-a/decode', OPS, encoded).set('X-Namespace', 'ns-b').expect(200, plain);

    const asB = await post('/ns-b/decode', OPS, encoded).expect(400);
    expect(asB.body).toMatchObject({ error: 'decode_failed', index: 0 });
    await post('/decode', OPS, encoded).set('X-Namespace', 'ns-b').expect(400);
    // No path, no header: `default`.
    await post('/decode', OPS, encoded).expect(400);
    await post('/decode', OPS, encoded).set('X-Namespace', 'bad namespace!').expect(400);
  });

  it('answers CORS preflights for allowed origins only', async () => {
    const allowed = await http()
      .options('/decode?preserveStorageRefs=true')
      .set('Origin', UI_ORIGIN)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,x-namespace,authorization')
      .expect(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    expect(allowed.headers['access-control-allow-methods']).toBe('POST, OPTIONS');
    expect(allowed.headers['access-control-allow-headers']?.toLowerCase().split(/,\s*/)).toEqual(['authorization', 'content-type', 'x-namespace']);

    const other = await http()
      .options('/decode')
      .set('Origin', 'http://evil.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type')
      .expect(204);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.headers['access-control-allow-headers']).toBeUndefined();

    const body = await encryptedBody(kit, 'cors');
    const actual = await post('/decode', OPS, body).set('Origin', UI_ORIGIN).expect(200);
    expect(actual.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    // A 401 carries CORS headers too, so the UI can tell the user why.
    const denied = await post('/decode', undefined, body).set('Origin', UI_ORIGIN).expect(401);
    expect(denied.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    const fromOther = await post('/decode', OPS, body).set('Origin', 'http://evil.example').expect(200);
    expect(fromOther.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers 404 for other routes', async () => {
    await http().get('/decode').expect(404);
    await post('/a/b/decode', OPS, {}).expect(404);
  });

  it('logs requests without the Authorization header or bodies', async () => {
    const body = await encryptedBody(kit, customer);
    await post('/decode', PII, body).expect(200);
    await post('/decode', undefined, body).expect(401);
    const logs = logLines.join('');
    expect(logs).toContain('"url":"/decode"');
    expect(logs).not.toContain(PII);
    expect(logs).not.toContain(OPS);
    expect(logs.toLowerCase()).not.toContain('authorization');
    expect(logs).not.toContain(EMAIL);
    expect(logs).not.toContain(body.payloads[0]?.data.slice(0, 24));
  });
});

describe('codec-server JWT auth', () => {
  let keys: TempKeys;
  let kit: CodecKit;
  let issuer: TestIssuer;
  let server: RunningCodecServer;
  let body: PayloadsJson;

  beforeAll(async () => {
    keys = tempKeys();
    kit = clientKit(keys.keyFile);
    body = await encryptedBody(kit, { email: await kit.sealer.seal(EMAIL) });
    issuer = await startTestIssuer();
    server = await startCodecServer({
      CODEC_LOCAL_KEY_FILE: keys.keyFile,
      CODEC_JWKS_URL: issuer.jwksUrl,
      CODEC_JWT_ISSUER: issuer.issuer,
      CODEC_JWT_AUDIENCE: `other-app,${issuer.audience}`,
    });
  });

  afterAll(async () => {
    await server.close();
    await issuer.close();
    keys.remove();
  });

  const decode = (token: string) => request(server.url).post('/decode').set('Authorization', `Bearer ${token}`).send(body);

  it('takes the role from the enrich_role claim (a string or a list)', async () => {
    const pii = await decode(issuer.sign({ enrich_role: 'pii' })).expect(200);
    expect(jsonValues(pii.body)).toEqual([{ email: EMAIL }]);
    const ops = await decode(issuer.sign({ enrich_role: ['viewer', 'ops'] })).expect(200);
    expect(JSON.stringify(jsonValues(ops.body))).toContain('$sealed');
    expect(JSON.stringify(jsonValues(ops.body))).not.toContain(EMAIL);
  });

  it('answers 403 for a valid token without a codec role', async () => {
    const none = await decode(issuer.sign()).expect(403);
    expect(none.body).toMatchObject({ error: 'forbidden', message: expect.stringContaining('enrich_role') });
    await decode(issuer.sign({ enrich_role: 'admin' })).expect(403);
  });

  it('answers 401 for expired, foreign, forged or unsigned tokens', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await decode(issuer.sign({ enrich_role: 'pii', exp: now - 120 })).expect(401);
    expect(expired.body.message).toContain('expired');
    await decode(issuer.sign({ enrich_role: 'pii', aud: 'someone-else' })).expect(401);
    await decode(issuer.sign({ enrich_role: 'pii', iss: 'https://evil.example' })).expect(401);
    await decode(issuer.sign({ enrich_role: 'pii', exp: undefined })).expect(401);
    await decode(issuer.sign({ enrich_role: 'pii', nbf: now + 600 })).expect(401);
    const forger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    await decode(issuer.sign({ enrich_role: 'pii' }, { key: forger })).expect(401);
    await decode(issuer.sign({ enrich_role: 'pii' }, { alg: 'none' })).expect(401);
    await decode(issuer.sign({ enrich_role: 'pii' }, { kid: 'unknown-kid' })).expect(401);
  });
});

describe('codec-server configuration', () => {
  it('refuses to start with no authentication configured', () => {
    expect(() => loadCodecServerConfig({})).toThrow(ConfigError);
    expect(() => loadCodecServerConfig({})).toThrow(/CODEC_AUTH_TOKENS.*never starts open/s);
  });

  it('checks tokens without echoing them and requires issuer and audience with a JWKS', () => {
    const secret = 'short-secret';
    let message = '';
    try {
      loadCodecServerConfig({ CODEC_AUTH_TOKENS: `${secret}:pii,${newToken('x')}:admin` });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/entry 1.*at least 16/s);
    expect(message).toMatch(/entry 2.*pii or ops/s);
    expect(message).not.toContain(secret);
    expect(() => loadCodecServerConfig({ CODEC_JWKS_URL: 'https://idp.example/jwks.json' })).toThrow(/CODEC_JWT_ISSUER[\s\S]*CODEC_JWT_AUDIENCE/);
  });

  it('has the documented defaults', () => {
    const config = loadCodecServerConfig({ CODEC_AUTH_TOKENS: `${newToken('a')}:ops` });
    expect(config.http).toEqual({ port: 8888, host: '127.0.0.1' });
    expect(config.cors.origins).toEqual(['http://127.0.0.1:8233', 'http://localhost:8233']);
    expect(config.maxBodyBytes).toBe(4 * 1024 * 1024);
    expect(config.codec.keyProvider.kind).toBe('local');
    expect(() => loadCodecServerConfig({ CODEC_AUTH_TOKENS: `${newToken('a')}:ops`, CODEC_CORS_ORIGINS: 'http://ui.example/' })).toThrow(/CODEC_CORS_ORIGINS/);
  });

  it('with auth disabled treats every caller as ops, even one holding a pii token', async () => {
    const keys = tempKeys();
    const kit = clientKit(keys.keyFile);
    const body = await encryptedBody(kit, { email: await kit.sealer.seal(EMAIL) });
    const server = await startCodecServer({ CODEC_LOCAL_KEY_FILE: keys.keyFile, CODEC_AUTH_DISABLED: 'true' });
    try {
      const res = await request(server.url).post('/decode').set('Authorization', `Bearer ${PII}`).send(body).expect(200);
      expect(JSON.stringify(jsonValues(res.body))).toContain('$sealed');
      expect(JSON.stringify(jsonValues(res.body))).not.toContain(EMAIL);
      expect(() => loadCodecServerConfig({ CODEC_AUTH_DISABLED: 'true', CODEC_AUTH_TOKENS: `${PII}:pii` })).toThrow(/CODEC_AUTH_DISABLED/);
    } finally {
      await server.close();
      keys.remove();
    }
  });
});

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
