import type { Activities } from '@enrich/activities';
import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';

/** Input of {@link customerRefreshWorkflow}; `resume` is set only by its own continue-as-new. */
export interface CustomerRefreshInput {
  /** Customers last enriched longer ago than this are refreshed. */
  staleAfterHours?: number;
  pageSize?: number;
  pagesPerRun?: number;
  resume?: { staleBefore: string; afterId?: string; totals: CustomerRefreshTotals };
}

export interface CustomerRefreshTotals {
  processed: number;
  refreshed: number;
  notFound: number;
}

const { refreshCustomersPage } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

/**
 * Refreshes the demographics of stale customers page by page (keyset cursor over customer ids).
 * Started by the `CUSTOMER_REFRESH_SCHEDULE_ID` schedule (`@enrich/domain`) every 6 hours, one run at a time.
 * The stale cutoff is fixed at the start, so customers refreshed by this run are not picked again.
 */
export async function customerRefreshWorkflow(input: CustomerRefreshInput = {}): Promise<CustomerRefreshTotals> {
  const pageSize = input.pageSize ?? 200;
  const pagesPerRun = input.pagesPerRun ?? 200;
  const staleBefore = input.resume?.staleBefore ?? new Date(Date.now() - (input.staleAfterHours ?? 24) * 3_600_000).toISOString();
  const totals = input.resume?.totals ?? { processed: 0, refreshed: 0, notFound: 0 };
  let afterId = input.resume?.afterId;
  for (let pages = 0; ; pages++) {
    if (pages >= pagesPerRun || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof customerRefreshWorkflow>({ ...input, resume: { staleBefore, afterId, totals } });
    }
    const page = await refreshCustomersPage({ staleBefore, afterId, limit: pageSize });
    totals.processed += page.processed;
    totals.refreshed += page.refreshed;
    totals.notFound += page.notFound;
    if (!page.lastId) return totals;
    afterId = page.lastId;
  }
}
