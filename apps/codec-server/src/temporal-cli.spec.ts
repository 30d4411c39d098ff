import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { createDataConverter, type CodecKit } from '@enrich/codec';
import { loadTestEnvConfig, type TestEnvConfig } from '@enrich/testing';
import { Client, Connection } from '@temporalio/client';
import { clientKit, newToken, startCodecServer, tempKeys, type RunningCodecServer, type TempKeys } from './test-support/codec-server-fixture';

const run = promisify(execFile);

const PII = newToken('pii');
const OPS = newToken('ops');
const KNOWN = `known-cli-string-${randomUUID()}`;
const EMAIL = `cli.${randomUUID().slice(0, 8)}@example.com`;

/**
 * The real `temporal` CLI decoding history through the codec server: a workflow started by an
 * encrypting client (no worker, so it stays running), then `temporal workflow show` with and
 * without `--codec-endpoint`.
 */
describe('codec-server seen by the Temporal CLI', () => {
  let env: TestEnvConfig;
  let cli: string;
  let keys: TempKeys;
  let kit: CodecKit;
  let server: RunningCodecServer;
  let connection: Connection;
  let client: Client;
  const workflowId = `codec-cli-${randomUUID()}`;

  beforeAll(async () => {
    env = loadTestEnvConfig();
    if (!env.temporal.cliPath)
      throw new Error('TEMPORAL_CLI_PATH is not set: run `eval "$(npm run -s stack -- env --profile test)"` (after `npm run stack -- up --profile test`)');
    cli = env.temporal.cliPath;
    keys = tempKeys();
    kit = clientKit(keys.keyFile, env.temporal.namespace);
    const email = await kit.sealer.seal(EMAIL);
    server = await startCodecServer({ CODEC_LOCAL_KEY_FILE: keys.keyFile, CODEC_AUTH_TOKENS: `${PII}:pii,${OPS}:ops` });
    connection = await Connection.connect({ address: env.temporal.address });
    client = new Client({ connection, namespace: env.temporal.namespace, dataConverter: createDataConverter(kit.codec) });
    await client.workflow.start('batchEnrichmentWorkflow', {
      workflowId,
      taskQueue: `codec-cli-${randomUUID()}`,
      args: [{ note: KNOWN, customer: { email } }],
    });
  });

  afterAll(async () => {
    await client?.workflow
      .getHandle(workflowId)
      .terminate('codec-server test done')
      .catch(() => undefined);
    await connection?.close();
    await server?.close();
    keys?.remove();
  });

  const show = async (...codecFlags: string[]): Promise<string> => {
    const { stdout } = await run(
      cli,
      ['workflow', 'show', '-w', workflowId, '--address', env.temporal.address, '--namespace', env.temporal.namespace, ...codecFlags, '-o', 'json'],
      { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 },
    );
    return stdout;
  };

  /**
   * The texts of every payload in `workflow show -o json` output: it prints history as proto3
   * JSON, so a payload the codec server decoded has its plain JSON base64-encoded in `data`.
   */
  const payloadTexts = (stdout: string): string => {
    const texts: string[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (typeof value === 'object' && value !== null) {
        const record = value as Record<string, unknown>;
        if (typeof record['data'] === 'string' && typeof record['metadata'] === 'object') texts.push(Buffer.from(record['data'], 'base64').toString('utf8'));
        Object.values(record).forEach(walk);
      }
    };
    walk(JSON.parse(stdout));
    return texts.join('\n');
  };

  it('shows the input decoded with sealed fields opened for pii, sealed for ops, and encrypted without the codec server', async () => {
    const outputs = await Promise.all([
      show('--codec-endpoint', server.url, '--codec-auth', `Bearer ${PII}`),
      show('--codec-endpoint', server.url, '--codec-auth', `Bearer ${OPS}`),
      show(),
    ]);
    const [asPii, asOps, without] = outputs.map(payloadTexts) as [string, string, string];
    expect(outputs[2]).toContain('workflowExecutionStartedEventAttributes');
    expect(asPii).toContain(KNOWN);
    expect(asPii).toContain(EMAIL);

    expect(asOps).toContain(KNOWN);
    expect(asOps).not.toContain(EMAIL);
    expect(asOps).toContain('$sealed');

    expect(without).not.toContain(KNOWN);
    expect(without).not.toContain(EMAIL);
  });

  it('gets nothing decoded with a bad token', async () => {
    // The CLI retries a failing codec server for ≈10 s and then gives up.
    await expect(show('--codec-endpoint', server.url, '--codec-auth', 'Bearer wrong-token-123456789')).rejects.toThrow();
  }, 30_000);
});
