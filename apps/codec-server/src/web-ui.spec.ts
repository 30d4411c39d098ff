import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDataConverter, type CodecKit } from '@enrich/codec';
import { loadTestEnvConfig } from '@enrich/testing';
import { Client, Connection } from '@temporalio/client';
import { chromium, type Browser } from 'playwright-core';
import { clientKit, newToken, startCodecServer, tempKeys, type RunningCodecServer, type TempKeys } from './test-support/codec-server-fixture';

const PII = newToken('pii');
const OPS = newToken('ops');
const KNOWN = `known-ui-string-${randomUUID().slice(0, 8)}`;
const EMAIL = `ui.${randomUUID().slice(0, 8)}@example.com`;

/**
 * The real Temporal Web UI, in headless Chromium, decoding a workflow's input through the codec
 * server. The shared test stack's Temporal has no `--ui-codec-endpoint`, so this suite starts its
 * own dev server pointed at its own codec server.
 *
 * How the UI's calls carry the role's credentials: the UI's own options cannot do it here. Its
 * "pass access token" setting forwards the token of the UI's OIDC login (the dev server has no
 * login) and only to an https codec endpoint; "include cross-origin credentials" sends cookies,
 * which this server does not take. So a Playwright route adds `Authorization: Bearer <token>` to
 * the UI's requests to the codec server, standing in for the auth proxy a deployment puts in front
 * of it. The browser still runs the real CORS preflight against the codec server.
 */
describe('codec-server seen by the Temporal Web UI', () => {
  let keys: TempKeys;
  let kit: CodecKit;
  let codecServer: RunningCodecServer;
  let temporal: ChildProcess | undefined;
  let dbDir: string;
  let uiUrl: string;
  let connection: Connection;
  let client: Client;
  let browser: Browser;
  const workflowId = `codec-ui-${randomUUID()}`;

  beforeAll(async () => {
    const cli = loadTestEnvConfig().temporal.cliPath;
    if (!cli)
      throw new Error('TEMPORAL_CLI_PATH is not set: run `eval "$(npm run -s stack -- env --profile test)"` (after `npm run stack -- up --profile test`)');
    const [grpcPort, uiPort] = await Promise.all([freePort(), freePort()]);
    uiUrl = `http://127.0.0.1:${uiPort}`;

    keys = tempKeys();
    kit = clientKit(keys.keyFile);
    const email = await kit.sealer.seal(EMAIL);
    codecServer = await startCodecServer({ CODEC_LOCAL_KEY_FILE: keys.keyFile, CODEC_AUTH_TOKENS: `${PII}:pii,${OPS}:ops`, CODEC_CORS_ORIGINS: uiUrl });

    dbDir = mkdtempSync(join(tmpdir(), 'codec-ui-temporal-'));
    temporal = spawn(
      cli,
      [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(grpcPort),
        '--ui-port',
        String(uiPort),
        '--headless=false',
        '--db-filename',
        join(dbDir, 'temporal.db'),
        '--ui-disable-news-fetch',
        '--ui-codec-endpoint',
        codecServer.url,
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    // Drained so the pipe never fills; shown if the server does not come up.
    const stderr: string[] = [];
    temporal.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
    temporal.once('exit', (code) => stderr.push(`(temporal exited with ${code})`));
    const address = `127.0.0.1:${grpcPort}`;
    connection = await until(
      () => Connection.connect({ address, connectTimeout: 1_000 }),
      20_000,
      'the Temporal dev server',
      () => stderr.join('').slice(-2_000),
    );
    await until(
      async () => {
        const res = await fetch(uiUrl);
        if (!res.ok) throw new Error(`UI answered ${res.status}`);
      },
      20_000,
      'the Temporal Web UI',
      () => stderr.join('').slice(-2_000),
    );

    client = new Client({ connection, namespace: 'default', dataConverter: createDataConverter(kit.codec) });
    await client.workflow.start('batchEnrichmentWorkflow', { workflowId, taskQueue: `codec-ui-${randomUUID()}`, args: [{ note: KNOWN, customer: { email } }] });
    browser = await chromium.launch({
      executablePath: loadTestEnvConfig().chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await client?.workflow
      .getHandle(workflowId)
      .terminate('codec-server test done')
      .catch(() => undefined);
    await connection?.close();
    if (temporal && temporal.exitCode === null) {
      const exited = once(temporal, 'exit');
      temporal.kill('SIGTERM');
      const killer = setTimeout(() => temporal?.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    await codecServer?.close();
    keys?.remove();
    if (dbDir) rmSync(dbDir, { recursive: true, force: true });
  }, 30_000);

  it.each([
    ['pii', PII],
    ['ops', OPS],
  ] as const)('shows the decoded input to %s', async (role, token) => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1600 } });
    try {
      const page = await context.newPage();
      const codecCalls: number[] = [];
      // Stand-in for an auth proxy: the UI cannot send a bearer token to an http codec endpoint itself.
      await page.route(`${codecServer.url}/**`, async (route) => {
        await route.continue({ headers: { ...route.request().headers(), authorization: `Bearer ${token}` } });
      });
      page.on('response', (response) => {
        if (response.url().startsWith(codecServer.url) && response.request().method() === 'POST') codecCalls.push(response.status());
      });

      await page.goto(`${uiUrl}/namespaces/default/workflows/${workflowId}`);
      // The input card renders once the codec server has answered.
      await page.getByText(KNOWN).first().waitFor({ timeout: 20_000 });
      const text = await page.locator('body').innerText();
      await page.screenshot({ path: `/tmp/codec-ui-${role}.png`, fullPage: true });

      expect(codecCalls.length).toBeGreaterThan(0);
      expect(codecCalls.every((status) => status === 200)).toBe(true);
      expect(text).toContain(KNOWN);
      if (role === 'pii') {
        expect(text).toContain(EMAIL);
      } else {
        expect(text).not.toContain(EMAIL);
        expect(text).toContain('$sealed');
      }
    } finally {
      await context.close();
    }
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until<T>(attempt: () => Promise<T>, timeoutMs: number, what: string, diagnostics: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what} did not come up within ${timeoutMs} ms: ${diagnostics()}`, { cause: error });
      await sleep(200);
    }
  }
}
