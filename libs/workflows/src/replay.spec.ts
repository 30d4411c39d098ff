import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Recorded histories (see histories/README.md) must replay against today's workflow code: a change
 * that would break running workflows fails here instead of in production.
 */
describe('workflow determinism', () => {
  const dir = join(__dirname, 'histories');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'workflow-ids.json');
  // Workflows whose commands depend on their own id (child ids derive from it) replay under it.
  const workflowIds = JSON.parse(readFileSync(join(dir, 'workflow-ids.json'), 'utf8')) as Record<string, string>;

  beforeAll(() => {
    Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });
  });

  it('has histories of every workflow type and outcome worth guarding', () => {
    expect(files.map((f) => f.replace(/-\d+\.json$/, '')).sort()).toEqual(
      expect.arrayContaining([
        'batch-enrichment-cancelled',
        'batch-enrichment-cancelled-without-waiting',
        'batch-enrichment-completed',
        'batch-enrichment-continued_as_new',
        'batch-enrichment-failed',
        'batch-enrichment-staging-overlap-completed',
        'batch-enrichment-staging-overlap-failed',
        'batch-enrichment-started-later-completed',
        'batch-enrichment-web-research-completed',
        'customer-refresh-completed',
        'payment-event-duplicate',
        'payment-event-failed-stored',
        'payment-event-quarantined-processing',
        'payment-event-quarantined-rules',
        'payment-event-stored',
        'payment-review-discarded',
        'payment-review-released',
        'payment-review-schema-released',
        'push-request-closed-completed',
        'push-request-concurrent-completed',
        'push-request-idle-completed',
        'row-research-completed',
        'row-research-continued_as_new',
        'webhook-delivery-rejected-completed',
        'webhook-delivery-retried-completed',
      ]),
    );
  });

  it('replays every recorded history without nondeterminism', async () => {
    const histories = files.map((file) => ({ workflowId: workflowIds[file] ?? file, history: JSON.parse(readFileSync(join(dir, file), 'utf8')) }));
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowsPath: require.resolve('./index') }, histories)) results.push(result);
    expect(results.map((r) => [r.workflowId, r.error?.message])).toEqual(files.map((f) => [workflowIds[f] ?? f, undefined]));
  });
});
