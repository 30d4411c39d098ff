import { CUSTOMER_REFRESH_SCHEDULE_ID, CUSTOMER_REFRESH_WORKFLOW_ID } from '@enrich/domain';
import { customerRefreshWorkflow } from '@enrich/workflows';
import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy, type ScheduleOptions } from '@temporalio/client';
import type { SchedulerConfig } from './config';

/** The schedules this platform declares: the source of truth the scheduler applies at start. */
export function declaredSchedules(config: Pick<SchedulerConfig, 'temporal' | 'customerRefresh'>): ScheduleOptions[] {
  const refresh = config.customerRefresh;
  return [
    {
      scheduleId: CUSTOMER_REFRESH_SCHEDULE_ID,
      spec: { intervals: [{ every: `${refresh.intervalHours} hours` }] },
      action: {
        type: 'startWorkflow',
        workflowType: customerRefreshWorkflow,
        workflowId: CUSTOMER_REFRESH_WORKFLOW_ID,
        taskQueue: config.temporal.taskQueue,
        args: [{ staleAfterHours: refresh.staleAfterHours, pageSize: refresh.pageSize }],
      },
      // One run at a time: a refresh still going when the next is due makes the next one skip.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
      state: { paused: refresh.paused, note: refresh.paused ? 'paused by REFRESH_PAUSED' : 'declared by the scheduler app' },
    },
  ];
}

export type ScheduleChange = { scheduleId: string; change: 'created' | 'updated' };

/**
 * Creates each schedule, or brings an existing one in line with its declaration (spec, action,
 * policies, paused state), so running the scheduler again is always safe.
 */
export async function applySchedules(client: Client, schedules: readonly ScheduleOptions[]): Promise<ScheduleChange[]> {
  const changes: ScheduleChange[] = [];
  for (const options of schedules) {
    try {
      await client.schedule.create(options);
      changes.push({ scheduleId: options.scheduleId, change: 'created' });
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      const handle = client.schedule.getHandle(options.scheduleId);
      await handle.update((previous) => ({
        ...previous,
        spec: options.spec,
        action: options.action,
        policies: { ...previous.policies, ...options.policies },
        state: { ...previous.state, paused: options.state?.paused ?? false, note: options.state?.note },
      }));
      changes.push({ scheduleId: options.scheduleId, change: 'updated' });
    }
  }
  return changes;
}
