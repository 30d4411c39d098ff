import { isSealed } from '@enrich/domain';
import { customersCsv, type TestDatabase } from '@enrich/testing';
import fc from 'fast-check';
import { readdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { join } from 'node:path';
import { type GatewayFixture, startGateway } from '../test-support/gateway-fixture';

/**
 * The gateway over real HTTP (port 0), with real PostgreSQL, the run's Temporal dev server, a real
 * worker hosted in-process and the mock-enrichment app over HTTP.
 */
describe('/v1/jobs', () => {
  let fixture: GatewayFixture;
  let server: Server;
  let db: TestDatabase;
  let blobDir: string;

  beforeAll(async () => {
    fixture = await startGateway({ knobs: { latencyMs: 0, jitterMs: 0, notFoundRate: 0.1 }, maxUploadBytes: 64 * 1024 });
    ({ server, db, blobDir } = fixture);
  });

  afterAll(() => fixture?.close());

  /**
   * Files in the blob store that no job refers to: what a refused or broken upload must never leave
   * (a failed write removes its partial file a moment later; accepted jobs' uploads go once staged).
   */
  async function expectNoOrphanBlobs() {
    const orphans = async () => {
      const files = await readdir(join(blobDir, 'uploads')).catch(() => [] as string[]);
      const keys = new Set((await db.prisma.job.findMany({ select: { blobKey: true } })).map((job) => job.blobKey));
      return files.filter((file) => !keys.has(`uploads/${file}`));
    };
    for (let i = 0; i < 200 && (await orphans()).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await orphans()).toEqual([]);
  }

  async function waitForJob(id: string) {
    for (let i = 0; i < 200; i++) {
      const res = await fixture.api().get(`/v1/jobs/${id}`).expect(200);
      if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(res.body.status)) return res.body;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`job ${id} did not finish`);
  }

  it('accepts a multipart upload, enriches it and serves paginated results', async () => {
    const res = await fixture
      .api()
      .post('/v1/jobs')
      .field('fields', 'demographics')
      .attach('file', Buffer.from(customersCsv({ rows: 12, seed: 4, eol: '\r\n' })), 'customers.csv')
      .expect(202);
    expect(res.headers.location).toBe(`/v1/jobs/${res.body.id}`);
    expect(res.body).toMatchObject({ sourceName: 'customers.csv', fields: ['demographics'], workflowId: `job-${res.body.id}` });

    const job = await waitForJob(res.body.id);
    expect(job.status).toBe('COMPLETED');
    expect(job.counts.total).toBe(12);
    expect(job.counts.enriched + job.counts.notFound).toBe(12);

    const first = await fixture.api().get(`/v1/jobs/${res.body.id}/results?limit=5`).expect(200);
    expect(first.body.items.map((r: { rowNumber: number }) => r.rowNumber)).toEqual([1, 2, 3, 4, 5]);
    expect(first.body.nextAfter).toBe(5);
    const last = await fixture.api().get(`/v1/jobs/${res.body.id}/results?after=10&limit=5`).expect(200);
    expect(last.body.items.map((r: { rowNumber: number }) => r.rowNumber)).toEqual([11, 12]);
    expect(last.body.nextAfter).toBeUndefined();
    const enriched = first.body.items.find((r: { status: string }) => r.status === 'ENRICHED');
    expect(enriched.fields).toHaveLength(7);
    // From the first demographics vendor, or the second where the first has no record of the person.
    expect(enriched.fields[0]).toMatchObject({ provider: expect.stringMatching(/^mock-(demographics|people-data)$/) });
  });

  it('accepts a raw text/csv body', async () => {
    const res = await fixture.api().post('/v1/jobs?name=raw.csv').set('content-type', 'text/csv').send('email,first_name\nraw@example.com,Raw\n').expect(202);
    const job = await waitForJob(res.body.id);
    expect(job).toMatchObject({ status: 'COMPLETED', sourceName: 'raw.csv', counts: { total: 1 } });
  });

  it('refuses a file without the required column, naming it and the line, and keeps nothing', async () => {
    const res = await fixture.api().post('/v1/jobs').set('content-type', 'text/csv').send('name,zip\nAda,12345\n').expect(400);
    expect(res.body).toEqual({
      error: 'invalid_csv',
      message: 'line 1: the header is missing required column(s) email (found: name, zip)',
      line: 1,
    });
    await expectNoOrphanBlobs();
    expect(await db.prisma.job.count({ where: { sourceName: 'upload.csv' } })).toBe(0);
  });

  it('follows a column mapping, and names a mapped header the file lacks', async () => {
    const mapping = JSON.stringify({ email: 'Contact Address' });
    const res = await fixture
      .api()
      .post(`/v1/jobs?mapping=${encodeURIComponent(mapping)}`)
      .set('content-type', 'text/csv')
      .send('Contact Address,Email\nmapped@example.com,decoy\n')
      .expect(202);
    const job = await waitForJob(res.body.id);
    expect(job).toMatchObject({ status: 'COMPLETED', counts: { total: 1, quarantined: 0 } });
    const rows = await fixture.api().get(`/v1/jobs/${res.body.id}/results`).expect(200);
    expect(rows.body.items[0].input.email).toBe('mapped@example.com');

    const missing = await fixture
      .api()
      .post(`/v1/jobs?mapping=${encodeURIComponent(mapping)}`)
      .set('content-type', 'text/csv')
      .send('email\na@b.co\n')
      .expect(400);
    expect(missing.body.message).toBe('line 1: the column mapping names header(s) the file does not have: email → "Contact Address" (found: email)');
    const malformed = await fixture.api().post('/v1/jobs?mapping=%7Bnope').set('content-type', 'text/csv').send('email\na@b.co\n').expect(400);
    expect(malformed.body.message).toMatch(/^mapping: must be a JSON object/);
  });

  it('refuses an empty file', async () => {
    const res = await fixture.api().post('/v1/jobs').set('content-type', 'text/csv').send('').expect(400);
    expect(res.body.message).toMatch(/the file is empty/);
  });

  it('quarantines the line of an unterminated quote, naming it, and enriches the others', async () => {
    const csv = 'email,first_name\nok@example.com,Ok\nalso@example.com,Also\nbad@example.com,"Bad\nlast@example.com,Last\n';
    const res = await fixture.api().post('/v1/jobs').set('content-type', 'text/csv').send(csv).expect(202);
    const job = await waitForJob(res.body.id);
    expect(job).toMatchObject({ status: 'COMPLETED', counts: { total: 4, quarantined: 1, pending: 0 } });
    const rows = await fixture.api().get(`/v1/jobs/${res.body.id}/results`).expect(200);
    expect(rows.body.items.find((r: { status: string }) => r.status === 'QUARANTINED')).toMatchObject({
      lineNumber: 4,
      lastError: 'line 4: a quoted field opened on this line is never closed',
    });
  });

  it('names the field for unknown enrichment groups', async () => {
    const res = await fixture.api().post('/v1/jobs?fields=horoscope').set('content-type', 'text/csv').send('email\na@b.co\n').expect(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.body.message).toMatch(/^fields: unknown enrichment group\(s\) horoscope/);
  });

  it('answers 415 for other content types and 413 past the upload limit', async () => {
    await fixture.api().post('/v1/jobs').send({ email: 'a@b.co' }).expect(415);
    const big = `email\n${'x@example.com\n'.repeat(10_000)}`;
    const res = await fixture.api().post('/v1/jobs').set('content-type', 'text/csv').send(big);
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('payload_too_large');
  });

  describe('text encodings: detected or named, never read into U+FFFD', () => {
    const text = 'email,first_name,last_name,company\r\njose@example.com,José,Müller,Café Crème\r\n';

    async function names(id: string) {
      const job = await waitForJob(id);
      expect(job.status).toBe('COMPLETED');
      const rows = await fixture.api().get(`/v1/jobs/${id}/results`).expect(200);
      return { encoding: job.encoding, input: rows.body.items[0].input };
    }

    it.each([
      ['UTF-8 without BOM', Buffer.from(text), 'utf-8'],
      ['UTF-8 with BOM', Buffer.from(`\ufeff${text}`), 'utf-8'],
      ['UTF-16 LE with BOM', Buffer.from(`\ufeff${text}`, 'utf16le'), 'utf-16le'],
      ['UTF-16 BE with BOM', Buffer.from(`\ufeff${text}`, 'utf16le').swap16(), 'utf-16be'],
      ['Windows-1252, detected', Buffer.from(text, 'latin1'), 'windows-1252'],
    ])('%s', async (_name, bytes, encoding) => {
      const res = await fixture.api().post('/v1/jobs').attach('file', bytes, 'accents.csv').expect(202);
      expect(await names(res.body.id)).toEqual({
        encoding,
        input: expect.objectContaining({ first_name: 'José', last_name: 'Müller', company: 'Café Crème' }),
      });
    });

    it('follows the encoding named by a form field or the charset of the Content-Type', async () => {
      // "Ã©" is how UTF-8 é reads in Windows-1252: the caller's word is taken over the detection.
      const field = await fixture.api().post('/v1/jobs').field('encoding', 'latin1').attach('file', Buffer.from(text), 'named.csv').expect(202);
      expect((await names(field.body.id)).input.first_name).toBe('JosÃ©');
      const charset = await fixture.api().post('/v1/jobs').set('content-type', 'text/csv; charset=windows-1252').send(Buffer.from(text, 'latin1')).expect(202);
      expect(await names(charset.body.id)).toEqual({ encoding: 'windows-1252', input: expect.objectContaining({ first_name: 'José' }) });
    });

    it('refuses a UTF-8 file with a bad byte, naming the line, and keeps nothing', async () => {
      const jobs = await db.prisma.job.count();
      const bytes = Buffer.concat([Buffer.from('email,first_name\na@example.com,Zoë\nb@example.com,'), Buffer.from([0xe9, 0x0a])]);
      const res = await fixture.api().post('/v1/jobs').set('content-type', 'text/csv').send(bytes).expect(400);
      expect(res.body).toMatchObject({ error: 'invalid_encoding', line: 3, message: expect.stringMatching(/^line 3: byte 0xE9 is not valid UTF-8\./) });
      await expectNoOrphanBlobs();
      expect(await db.prisma.job.count()).toBe(jobs);
    });

    it('names the field for an encoding it does not read', async () => {
      const res = await fixture.api().post('/v1/jobs?encoding=ebcdic').set('content-type', 'text/csv').send('email\na@b.co\n').expect(400);
      expect(res.body.issues).toEqual([{ path: 'encoding', message: expect.stringMatching(/^unknown encoding "ebcdic"; use one of utf-8, /) }]);
    });
  });

  describe('an upload that goes wrong ends that request only, and leaves no blob and no job', () => {
    const boundary = 'xBOUNDARYx';
    const multipartHead = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="file"; filename="cut.csv"',
      'Content-Type: text/csv',
      '',
      'email\na@example.com\n',
    ].join('\r\n');

    /** Writes a request by hand on a raw socket, optionally hangs up early; resolves with what came back. */
    function rawRequest(head: Record<string, string>, body: string | Buffer, hangUp: boolean): Promise<string> {
      const { port } = server.address() as AddressInfo;
      return new Promise((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          const headers = Object.entries({ host: 'localhost', authorization: `Bearer ${fixture.apiKey}`, ...head }).map(([name, value]) => `${name}: ${value}`);
          socket.write(`POST /v1/jobs HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
          socket.write(body);
          if (hangUp) setTimeout(() => socket.destroy(), 100);
        });
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk.toString()));
        socket.on('close', () => resolve(answer));
        socket.on('error', reject);
        if (!hangUp) socket.on('data', () => answer.includes('\r\n\r\n') && socket.end());
      });
    }

    async function expectNothingLeftAndStillServing(jobsBefore: number) {
      await expectNoOrphanBlobs();
      expect(await db.prisma.job.count()).toBe(jobsBefore);
      await fixture.api().post('/v1/jobs').set('content-type', 'text/csv').send('email\nafter@example.com\n').expect(202);
    }

    it('a multipart body without its closing boundary is a 400', async () => {
      const jobs = await db.prisma.job.count();
      const answer = await rawRequest(
        { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(Buffer.byteLength(multipartHead)), connection: 'close' },
        multipartHead,
        false,
      );
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toContain('malformed multipart request: Unexpected end of form');
      await expectNothingLeftAndStillServing(jobs);
    });

    it('a multipart body cut short or corrupted anywhere: a 4xx or an accepted job, never a 5xx, and nothing left behind', async () => {
      const body = Buffer.from(
        [
          `--${boundary}`,
          'Content-Disposition: form-data; name="fields"',
          '',
          'demographics',
          `--${boundary}`,
          'Content-Disposition: form-data; name="file"; filename="fuzz.csv"',
          'Content-Type: text/csv',
          '',
          'email,first_name\na@example.com,Ana\nb@example.com,Bo\n',
          `--${boundary}--`,
          '',
        ].join('\r\n'),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: body.length }),
          fc.option(fc.record({ at: fc.nat({ max: body.length - 1 }), byte: fc.integer({ min: 0, max: 255 }) })),
          fc.boolean(),
          async (cut, corrupt, hangingUp) => {
            // A client that sent every byte has not hung up mid-upload.
            const hangUp = hangingUp && cut < body.length;
            const sent = Buffer.from(body.subarray(0, cut));
            if (corrupt && corrupt.at < sent.length) sent[corrupt.at] = corrupt.byte;
            const jobs = await db.prisma.job.count();
            // Hanging up: the declared length is the whole body. Otherwise: a complete request whose body is cut or broken.
            const length = hangUp ? body.length : sent.length;
            const answer = await rawRequest(
              { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(length), connection: 'close' },
              sent,
              hangUp,
            );
            const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
            expect(status === 0 || (status >= 200 && status < 500)).toBe(true);
            const accepted = status === 202 ? 1 : 0;
            await expectNoOrphanBlobs();
            expect(await db.prisma.job.count()).toBe(jobs + accepted);
            await fixture.api().get('/health').expect(200);
          },
        ),
        { numRuns: 40, examples: [[249, null, true]] },
      );
    }, 120_000);

    it.each([
      ['multipart', { 'content-type': `multipart/form-data; boundary=${boundary}` }, multipartHead],
      ['text/csv', { 'content-type': 'text/csv' }, 'email\na@example.com\n'],
    ])('a client that hangs up mid-upload (%s)', async (_name, head, body) => {
      const jobs = await db.prisma.job.count();
      await rawRequest({ ...head, 'content-length': String(Buffer.byteLength(body) + 10_000) }, body, true);
      await expectNothingLeftAndStillServing(jobs);
    });
  });

  describe('enriched personal values: sealed at rest, opened for the owner', () => {
    const marker = Math.random().toString(36).slice(2, 10);
    let jobId: string;
    interface Field {
      field: string;
      value: unknown;
      provider: string;
    }
    const personal = (items: Array<{ rowNumber: number; fields: Field[] }>) =>
      items.flatMap((row) => row.fields.filter((f) => f.field === 'work_email' || f.field === 'phone').map((f) => ({ rowNumber: row.rowNumber, ...f })));

    beforeAll(async () => {
      const people = Array.from(
        { length: 8 },
        (_, i) => `p${i}.${marker}@acme-widgets.example,Ann${marker}${i},Lee${marker}${i},Acme Widgets,acme-widgets.example`,
      );
      const csv = `email,first_name,last_name,company,domain\n${people.join('\n')}\n`;
      const res = await fixture.api().post('/v1/jobs').field('fields', 'contact').attach('file', Buffer.from(csv), 'contacts.csv').expect(202);
      jobId = res.body.id;
      expect((await waitForJob(jobId)).status).toBe('COMPLETED');
    });

    it('serves work emails and phones opened, while the tables hold them sealed', async () => {
      const { body } = await fixture.api().get(`/v1/jobs/${jobId}/results`).expect(200);
      const values = personal(body.items);
      expect(values.filter((f) => f.field === 'work_email').length).toBeGreaterThan(0);
      expect(values.filter((f) => f.field === 'phone').length).toBeGreaterThan(0);
      for (const f of values) {
        if (f.field === 'work_email') expect(f.value).toMatch(new RegExp(`^[a-z0-9._]*${marker}[a-z0-9._]*@acme-widgets\\.example$`));
        else expect(f.value).toMatch(/^\+[1-9]\d{7,14}$/);
      }
      const stored = await db.prisma.enrichmentResult.findMany({ where: { jobId, field: { in: ['work_email', 'phone'] } } });
      expect(stored).toHaveLength(values.length);
      expect(stored.every((r) => isSealed(r.value))).toBe(true);
      const raw = JSON.stringify(stored);
      expect(values.filter((f) => raw.includes(String(f.value)))).toEqual([]);
      expect(raw).not.toContain(marker);
    });

    it('reads a value stored in plaintext before enriched values were sealed as it is', async () => {
      const stored = await db.prisma.enrichmentResult.findFirst({ where: { jobId, field: 'work_email' }, orderBy: { rowNumber: 'asc' } });
      if (!stored) throw new Error('no work email was found');
      await db.prisma.enrichmentResult.update({
        where: { jobId_rowNumber_field: { jobId, rowNumber: stored.rowNumber, field: 'work_email' } },
        data: { value: 'written.before@acme-widgets.example' },
      });
      const { body } = await fixture.api().get(`/v1/jobs/${jobId}/results`).expect(200);
      const values = personal(body.items);
      expect(values.find((f) => f.rowNumber === stored.rowNumber && f.field === 'work_email')?.value).toBe('written.before@acme-widgets.example');
      expect(values.filter((f) => typeof f.value !== 'string')).toEqual([]);
    });

    it('exports them opened in the CSV', async () => {
      const { body } = await fixture.api().get(`/v1/jobs/${jobId}/results`).expect(200);
      const csv = await fixture.api().get(`/v1/jobs/${jobId}/results.csv`).buffer(true).expect(200);
      expect(csv.text).not.toContain('$sealed');
      expect(personal(body.items).filter((f) => !csv.text.includes(String(f.value)))).toEqual([]);
    });
  });

  it('answers 404 for an unknown job and 400 naming a malformed id', async () => {
    const missing = await fixture.api().get('/v1/jobs/00000000-0000-4000-8000-000000000000').expect(404);
    expect(missing.body).toMatchObject({ error: 'not_found' });
    const bad = await fixture.api().get('/v1/jobs/nope').expect(400);
    expect(bad.body.issues).toEqual([{ path: 'id', message: 'must be a job id (UUID)' }]);
    await fixture.api().get('/v1/jobs/00000000-0000-4000-8000-000000000000/results').expect(404);
  });

  it('serves health, its OpenAPI contract, and JSON 404s', async () => {
    await fixture.api().get('/health').expect(200, { status: 'ok' });
    const doc = await fixture.api().get('/openapi.json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/jobs', '/v1/jobs/{id}', '/v1/jobs/{id}/results']));
    const res = await fixture.api().get('/v2/nothing').expect(404);
    expect(res.body.error).toBe('not_found');
  });
});
