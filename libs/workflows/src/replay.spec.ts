import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Recorded histories (see histories/README.md) must replay against today's workflow code: a change
 * that would break running workflows fails here instead of in production.
 */
describe('workflow determinism', () => {
  const dir = join(__dirname, 'histories');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  beforeAll(() => {
    Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });
  });

  it('has histories of every workflow type and outcome worth guarding', () => {
    expect(files.map((f) => f.replace(/-\d+\.json$/, '')).sort()).toEqual(
      expect.arrayContaining(['batch-enrichment-completed', 'batch-enrichment-continued_as_new', 'batch-enrichment-failed', 'customer-refresh-completed']),
    );
  });

  it('replays every recorded history without nondeterminism', async () => {
    const histories = files.map((file) => ({ workflowId: file, history: JSON.parse(readFileSync(join(dir, file), 'utf8')) }));
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowsPath: require.resolve('./index') }, histories)) results.push(result);
    expect(results.map((r) => [r.workflowId, r.error?.message])).toEqual(files.map((f) => [f, undefined]));
  });
});
