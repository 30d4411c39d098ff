import { MAX_CONTACTS_PER_REQUEST, PUSH_COLUMNS } from '@enrich/domain';
import { parse } from 'csv-parse/sync';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { buildCli } from '../cli/enrich';
import { type GatewayFixture, startGateway } from '../test-support/gateway-fixture';

/**
 * Push requests over real HTTP with the real database, Temporal server and worker: requests with
 * the same erid join one workflow and one output, once each, until the erid closes.
 */
describe('POST /v1/enrichment-requests', () => {
  let fixture: GatewayFixture;

  beforeAll(async () => {
    fixture = await startGateway({ knobs: { latencyMs: 0, jitterMs: 0, notFoundRate: 0 }, maxUploadBytes: 1024 * 1024, idleCloseSeconds: 2 });
  }, 60_000);
  afterAll(() => fixture?.close());

  const contacts = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({
      first_name: `First${from + i}`,
      last_name: `Last${from + i}`,
      company_name: 'Acme',
      company_domain: 'acme.com',
      email: `person${from + i}@acme.com`,
    }));
  const push = (erid: string, contactList: unknown[], fields = ['professional_email', 'phone_number']) =>
    fixture.api().post('/v1/enrichment-requests').send({ erid, contact_list: contactList, fields_to_be_enriched: fields });
  const status = async (erid: string) => (await fixture.api().get(`/v1/enrichment-requests/${erid}`).expect(200)).body;
  const until = async (erid: string, done: (view: { status: string }) => boolean) => {
    for (let i = 0; i < 600; i++) {
      const view = await status(erid);
      if (done(view)) return view;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`erid ${erid} never got there: ${JSON.stringify(await status(erid))}`);
  };
  const executions = async (workflowId: string) => {
    let count = 0;
    for await (const _ of fixture.temporal.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) count++;
    return count;
  };

  it('groups three requests into one workflow and one output, in arrival order, and completes once closed', async () => {
    const first = await push('three', contacts(1, 3)).expect(202);
    expect(first.headers['location']).toBe('/v1/enrichment-requests/three');
    expect(first.body.request).toEqual({ firstRow: 1, contacts: 3, replayed: false });
    const second = await push('three', contacts(4, 2)).expect(202);
    const third = await push('three', contacts(6, 4)).expect(202);
    expect([second.body.request.firstRow, third.body.request.firstRow]).toEqual([4, 6]);
    expect(new Set([first.body.jobId, second.body.jobId, third.body.jobId]).size).toBe(1);

    const open = await status('three');
    expect(open).toMatchObject({ erid: 'three', open: true, groups: ['contact'], counts: { total: 9 } });
    expect(open.requests.map((r: { firstRow: number; contacts: number }) => [r.firstRow, r.contacts])).toEqual([
      [1, 3],
      [4, 2],
      [6, 4],
    ]);
    const closed = await fixture.api().post('/v1/enrichment-requests/three/close').expect(200);
    expect(closed.body.open).toBe(false);
    const done = await until('three', (view) => view.status === 'COMPLETED');
    expect(done.counts).toMatchObject({ total: 9, pending: 0 });
    expect(done.counts.enriched + done.counts.notFound).toBe(9);
    expect(await executions(`job-${first.body.jobId}`)).toBe(1);

    const results = await fixture.api().get('/v1/enrichment-requests/three/results?limit=100').expect(200);
    expect(results.body.items.map((row: { rowNumber: number; input: { email: string } }) => [row.rowNumber, row.input.email])).toEqual(
      Array.from({ length: 9 }, (_, i) => [i + 1, `person${i + 1}@acme.com`]),
    );
    const csv = await fixture.api().get('/v1/enrichment-requests/three/results.csv').buffer(true).expect(200);
    expect(csv.headers['content-disposition']).toContain('erid-three-results.csv');
    const [header, ...rows] = parse(csv.text) as string[][];
    expect(header?.slice(0, PUSH_COLUMNS.length)).toEqual([...PUSH_COLUMNS]);
    expect(header).toEqual(expect.arrayContaining(['enriched.status', 'enriched.work_email', 'enriched.phone']));
    expect(rows).toHaveLength(9);
    expect(rows[0]?.[PUSH_COLUMNS.indexOf('first_name')]).toBe('First1');

    const late = await push('three', contacts(10, 1)).expect(409);
    expect(late.body.message).toContain('closed');
    // A request received before the close, sent again: its answer, not a conflict.
    expect((await push('three', contacts(1, 3)).expect(202)).body.request).toEqual({ firstRow: 1, contacts: 3, replayed: true });
  }, 60_000);

  it('holds the contacts of an erid that spent its max_credits until it is given more', async () => {
    const first = await fixture
      .api()
      .post('/v1/enrichment-requests')
      .send({ erid: 'budget', contact_list: contacts(500, 5), fields_to_be_enriched: ['professional_email'], max_credits: 2 })
      .expect(202);
    // The first page (5 contacts) spends what it spends; then the budget is gone and the next request waits.
    const spent = await until('budget', (view) => (view as { progress?: { credits?: { exhausted: boolean } } }).progress?.credits?.exhausted === true);
    await push('budget', contacts(505, 4), ['professional_email']).expect(202);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const waiting = await status('budget');
    expect(waiting.counts).toMatchObject({ total: 9, pending: 4 });
    expect(waiting.progress.credits).toMatchObject({ max: 2, exhausted: true });
    expect(waiting.progress.credits.spent).toBe(spent.progress.credits.spent);

    const refused = await fixture.api().post('/v1/enrichment-requests/budget/credits').send({ max_credits: 1 }).expect(409);
    expect(refused.body).toMatchObject({ error: 'credit_budget_exhausted' });
    expect(refused.body.message).toContain('give it more than that');
    await fixture.api().post('/v1/enrichment-requests/budget/credits').send({ max_credits: 'x' }).expect(400);
    const raised = await fixture.api().post('/v1/enrichment-requests/budget/credits').send({ max_credits: 1_000 }).expect(200);
    expect(raised.body.progress.credits).toMatchObject({ max: 1_000, exhausted: false });
    await fixture.api().post('/v1/enrichment-requests/budget/close').expect(200);
    const done = await until('budget', (view) => view.status === 'COMPLETED');
    expect(done.counts).toMatchObject({ total: 9, pending: 0 });
    expect(await executions(`job-${first.body.jobId}`)).toBe(1);
    // An erid without a budget cannot be given one afterwards.
    await push('no-budget', contacts(600, 1)).expect(202);
    const none = await fixture.api().post('/v1/enrichment-requests/no-budget/credits').send({ max_credits: 10 }).expect(409);
    expect(none.body.message).toContain('has no credit budget');
  }, 60_000);

  it('twenty concurrent requests on a new erid, from separate clients: one workflow, every contact once', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        request(fixture.server)
          .post('/v1/enrichment-requests')
          .set('authorization', `Bearer ${fixture.apiKey}`)
          .send({ erid: 'race', contact_list: contacts(i * 5 + 1, 5), fields_to_be_enriched: ['professional_email'] }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
    const jobIds = new Set(answers.map((a) => a.body.jobId));
    expect(jobIds.size).toBe(1);
    const firstRows = answers.map((a) => a.body.request.firstRow).sort((a, b) => a - b);
    expect(firstRows).toEqual(Array.from({ length: 20 }, (_, i) => i * 5 + 1));
    await fixture.api().post('/v1/enrichment-requests/race/close').expect(200);
    const done = await until('race', (view) => view.status === 'COMPLETED');
    expect(done.counts).toMatchObject({ total: 100, pending: 0 });
    const results = await fixture.api().get('/v1/enrichment-requests/race/results?limit=1000').expect(200);
    const emails = results.body.items.map((row: { input: { email: string } }) => row.input.email).sort();
    expect(emails).toEqual(Array.from({ length: 100 }, (_, i) => `person${i + 1}@acme.com`).sort());
    expect(await executions(`job-${[...jobIds][0]}`)).toBe(1);
  }, 60_000);

  it('a request sent again (same body, or same Idempotency-Key) stages nothing twice', async () => {
    const body = { erid: 'replays', contact_list: contacts(1, 2), fields_to_be_enriched: ['phone_number'] };
    const once = await fixture.api().post('/v1/enrichment-requests').send(body).expect(202);
    const again = await fixture.api().post('/v1/enrichment-requests').send(body).expect(202);
    expect(once.body.request).toEqual({ firstRow: 1, contacts: 2, replayed: false });
    expect(again.body.request).toEqual({ firstRow: 1, contacts: 2, replayed: true });
    const keyed = () =>
      fixture
        .api()
        .post('/v1/enrichment-requests')
        .set('idempotency-key', 'batch-7')
        .send({ ...body, contact_list: contacts(3, 1) });
    const first = await keyed().expect(202);
    expect(first.body.request).toEqual({ firstRow: 3, contacts: 1, replayed: false });
    // With a key, the first answer itself is replayed (the IETF draft), marked as such.
    const replayed = await keyed().expect(202);
    expect([replayed.body, replayed.headers['idempotent-replayed']]).toEqual([first.body, 'true']);
    expect((await status('replays')).counts.total).toBe(3);
  });

  it("an erid's job is controlled through its erid; a cancelled erid takes no more contacts", async () => {
    const { body } = await push('controlled', contacts(1, 2)).expect(202);
    for (const action of ['pause', 'resume', 'start', 'cancel']) {
      const refused = await fixture.api().post(`/v1/jobs/${body.jobId}/${action}`).expect(409);
      expect(refused.body.message).toContain('/v1/enrichment-requests/controlled/close');
    }
    // Cancelled from outside the API (an operator, the Temporal UI): the erid closes, then ends CANCELLED.
    await fixture.temporal.client.workflow.getHandle(`job-${body.jobId}`).cancel();
    const done = await until('controlled', (view) => view.status === 'CANCELLED');
    expect(done.open).toBe(false);
    await push('controlled', contacts(3, 1)).expect(409);
  });

  it('closes an erid by itself after the idle window, and completes', async () => {
    await push('idle', contacts(1, 2)).expect(202);
    const done = await until('idle', (view) => view.status === 'COMPLETED');
    expect(done).toMatchObject({ open: false, counts: { total: 2, pending: 0 } });
    await push('idle', contacts(3, 1)).expect(409);
  }, 30_000);

  it('the CLI pushes a request from a file, follows its erid, closes it and downloads its results', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'enrich-requests-'));
    const cli = async (...args: string[]) => {
      let stdout = '';
      const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        stdout += String(chunk);
        return true;
      });
      const quiet = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        const { port } = fixture.server.address() as AddressInfo;
        await buildCli()
          .exitOverride()
          .parseAsync(['--api', `http://127.0.0.1:${port}`, '--api-key', fixture.apiKey, ...args], { from: 'user' });
      } finally {
        write.mockRestore();
        quiet.mockRestore();
      }
      return stdout;
    };
    try {
      const file = join(dir, 'request.json');
      await writeFile(file, JSON.stringify({ erid: 'cli', contact_list: contacts(1, 3), fields_to_be_enriched: ['professional_email'] }));
      expect(JSON.parse(await cli('requests', 'push', file, '--idempotency-key', 'cli-1'))).toMatchObject({
        erid: 'cli',
        request: { firstRow: 1, contacts: 3 },
      });
      expect(JSON.parse(await cli('requests', 'status', 'cli'))).toMatchObject({ erid: 'cli', open: true, counts: { total: 3 } });
      expect(JSON.parse(await cli('requests', 'close', 'cli'))).toMatchObject({ open: false });
      await until('cli', (view) => view.status === 'COMPLETED');
      const out = join(dir, 'cli.csv');
      await cli('requests', 'results', 'cli', '-o', out);
      expect(parse(await readFile(out, 'utf8'))).toHaveLength(4);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);

  describe('refuses bad requests with what to fix, and stages nothing', () => {
    it('names an unknown field and lists the valid ones; a web research field points to CSV jobs', async () => {
      const res = await push('bad-fields', contacts(1, 1), ['professional_email', 'horoscope', 'linkedin_url']).expect(400);
      expect(res.body.issues).toEqual([
        { path: 'fields_to_be_enriched.1', message: expect.stringContaining('unknown field "horoscope"; valid: professional_email') },
        { path: 'fields_to_be_enriched.2', message: expect.stringContaining('web research') },
      ]);
      await fixture.api().get('/v1/enrichment-requests/bad-fields').expect(404);
    });

    it('names the contact index and attribute of every bad contact', async () => {
      const res = await push('bad-contacts', [
        { email: 'ok@acme.com' },
        { email: 'not-an-email' },
        { first_name: 'Only' },
        { email: 'x@acme.com', shoe_size: 42 },
      ]).expect(400);
      expect(res.body.issues).toEqual([
        { path: 'contact_list.1.email', message: 'is not a valid email address' },
        { path: 'contact_list.2', message: expect.stringContaining('needs an email') },
        { path: 'contact_list.3.shoe_size', message: expect.stringContaining('unknown attribute') },
      ]);
      await fixture.api().get('/v1/enrichment-requests/bad-contacts').expect(404);
    });

    it('413 past the contacts limit; 400 for a malformed erid or body; 409 for other fields on an existing erid', async () => {
      const many = await push('too-many', contacts(1, MAX_CONTACTS_PER_REQUEST + 1)).expect(413);
      expect(many.body.message).toContain(`at most ${MAX_CONTACTS_PER_REQUEST}`);
      const erid = await push('no spaces please', contacts(1, 1)).expect(400);
      expect(erid.body.issues[0].path).toBe('erid');
      await fixture.api().post('/v1/enrichment-requests').send({ erid: 'x' }).expect(400);
      await fixture.api().post('/v1/enrichment-requests').set('content-type', 'application/json').send('{"erid":').expect(400);
      await push('fixed-fields', contacts(1, 1), ['professional_email']).expect(202);
      const other = await push('fixed-fields', contacts(2, 1), ['age_band']).expect(409);
      expect(other.body.message).toContain('enriches contact');
    });
  });
});
