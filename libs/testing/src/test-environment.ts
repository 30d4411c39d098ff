import { createCodecKit, type CodecKit } from '@enrich/codec';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadTestEnvConfig, type TestEnvConfig } from './test-env.config';

/**
 * The services `tools/test.sh` starts for a run, read from the environment once. Fails with a
 * message that says how to start them when a suite runs outside the test command.
 */
export function testEnv(): TestEnvConfig {
  return loadTestEnvConfig();
}

let codecKit: CodecKit | undefined;
/**
 * The payload codec, field sealer and data converter of the run: the local key provider on the key
 * file `tools/test.sh` points `CODEC_LOCAL_KEY_FILE` at, so every suite and worker shares keys.
 */
export function testCodec(config: TestEnvConfig = testEnv()): CodecKit {
  codecKit ??= createCodecKit(config.codec, { namespace: config.temporal.namespace });
  return codecKit;
}

/**
 * A Temporal environment on the run's shared dev server, its client using {@link testCodec}. Suites isolate themselves with their own
 * task queue (see {@link uniqueTaskQueue}) rather than their own server.
 */
export async function connectTemporal(config: TestEnvConfig = testEnv()): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  try {
    return await TestWorkflowEnvironment.createFromExistingServer({
      address: config.temporal.address,
      namespace: config.temporal.namespace,
      client: { dataConverter: testCodec(config).dataConverter },
    });
  } catch (error) {
    throw new Error(
      `cannot reach the Temporal dev server at ${config.temporal.address}: run the tests with \`npm test\`, or start the test stack with \`npm run stack -- up --profile test\` and \`eval "$(npm run -s stack -- env --profile test)"\``,
      { cause: error },
    );
  }
}

/**
 * A time-skipping Temporal environment on the native test server that `tools/stack` installs
 * (never a download): timers and retry backoffs pass instantly.
 */
export async function createTimeSkippingEnv(config: TestEnvConfig = testEnv()): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  if (!config.temporal.testServerPath) {
    throw new Error('TEMPORAL_TEST_SERVER_PATH is not set: run the tests with `npm test`, or `eval "$(npm run -s stack -- env --profile test)"`');
  }
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: config.temporal.testServerPath } } });
}

let counter = 0;
/** A task queue no other suite or run uses. */
export function uniqueTaskQueue(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

let runtimeInstalled = false;
/** Worker logs below ERROR are noise in test output (expected failures log warnings by design). */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });
  } catch {
    // Already installed by the suite itself: keep its choice.
  }
}

/**
 * Reads until `check` holds (every 250 ms), for integration tests that wait on other processes;
 * fails with what it read last once `timeoutMs` has passed.
 */
export async function eventually<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 240_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!check(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    last = await read();
  }
  return last;
}
