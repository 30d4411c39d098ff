import { CustomerRepository } from '@enrich/db';
import { connectTemporal, createTestDatabase, createTestWorker, testEnv, uniqueTaskQueue, type TestDatabase } from '@enrich/testing';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { applySchedules, declaredSchedules } from './schedules';

const config = (taskQueue: string, paused = false) => ({
  temporal: { address: '', namespace: 'default', taskQueue },
  customerRefresh: { intervalHours: 6, staleAfterHours: 24, pageSize: 2, paused },
});

describe('customer-demographics-refresh schedule', () => {
  const env = testEnv();
  let temporal: TestWorkflowEnvironment;
  let db: TestDatabase;
  const created: string[] = [];

  beforeAll(async () => {
    temporal = await connectTemporal(env);
    db = await createTestDatabase(env.databaseUrl, env.templateDatabase);
  });
  afterAll(async () => {
    for (const id of created)
      await temporal.client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    await db?.drop();
    await temporal?.teardown();
  });

  /** The declared schedules under a unique id, so runs sharing a dev server never collide. */
  function schedulesFor(taskQueue: string, paused = false) {
    return declaredSchedules(config(taskQueue, paused)).map((s) => {
      const scheduleId = `${s.scheduleId}-${taskQueue}`;
      created.push(scheduleId);
      return { ...s, scheduleId };
    });
  }

  it('is created once and updated in place, every 6 hours, skipping overlaps', async () => {
    const taskQueue = uniqueTaskQueue('schedules');
    expect((await applySchedules(temporal.client, schedulesFor(taskQueue))).map((c) => c.change)).toEqual(['created']);
    const [again] = schedulesFor(taskQueue, true);
    expect(await applySchedules(temporal.client, [again])).toEqual([{ scheduleId: again.scheduleId, change: 'updated' }]);
    const description = await temporal.client.schedule.getHandle(again.scheduleId).describe();
    expect(description.spec.intervals).toEqual([expect.objectContaining({ every: 6 * 3_600_000 })]);
    expect(description.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(description.state.paused).toBe(true);
    expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'customerRefreshWorkflow', taskQueue });
  });

  it('refreshes stale customers when it fires, merging demographics and leaving fresh ones alone', async () => {
    const taskQueue = uniqueTaskQueue('refresh');
    const customers = new CustomerRepository(db.prisma);
    await customers.upsertMany([
      { externalId: 'c1', email: 'c1@example.com', firstName: 'Ada' },
      { externalId: 'c2', email: 'c2@example.com' },
      { externalId: 'c3', email: 'c3@example.com', postalCode: '10115' },
      { externalId: 'fresh', email: 'fresh@example.com' },
    ]);
    const freshAt = new Date();
    await db.prisma.customer.update({ where: { externalId: 'fresh' }, data: { enrichedAt: freshAt } });

    const worker = await createTestWorker({
      temporal,
      taskQueue,
      prisma: db.prisma,
      blobDir: '/nonexistent',
      concurrency: 2,
      knobs: { latencyMs: 0, jitterMs: 0, notFoundRate: 0 },
    });
    const [schedule] = schedulesFor(taskQueue);
    await applySchedules(temporal.client, [schedule]);
    const handle = temporal.client.schedule.getHandle(schedule.scheduleId);

    const totals = await worker.runUntil(async () => {
      await handle.trigger();
      for (let i = 0; i < 100; i++) {
        const [action] = (await handle.describe()).info.recentActions;
        if (action) return temporal.client.workflow.getHandle(action.action.workflow.workflowId).result();
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('the schedule did not start a workflow');
    });

    expect(totals).toEqual({ processed: 3, refreshed: 3, notFound: 0 });
    for (const id of ['c1', 'c2', 'c3']) {
      const customer = await customers.findByExternalId(id);
      expect(customer?.enrichedAt).toBeInstanceOf(Date);
      expect((customer?.demographics as Array<{ field: string }>).map((f) => f.field)).toContain('age_band');
    }
    const fresh = await customers.findByExternalId('fresh');
    expect(fresh?.demographics).toBeNull();
    expect(fresh?.enrichedAt?.toISOString()).toBe(freshAt.toISOString());
  });
});
