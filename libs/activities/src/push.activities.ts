import type { PushRequestRepository } from '@enrich/db';
import { log } from '@temporalio/activity';

export interface ClosePushRequestInput {
  jobId: string;
  /** Why it closes, for the log: asked for, idle, or its workflow was cancelled. */
  reason: 'requested' | 'idle' | 'cancelled';
}

/** Activities of push requests (erids): their contacts are staged by the API, so only the close is here. */
export function createPushActivities({ pushRequests }: { pushRequests: PushRequestRepository }) {
  return {
    /**
     * Stops the erid taking contacts and answers how many it holds: every one of them is staged
     * (a request staging at the same moment either finished first and is counted, or sees the
     * erid closed and is refused), so the workflow knows its whole output.
     */
    async closePushRequest({ jobId, reason }: ClosePushRequestInput): Promise<{ totalRows: number }> {
      const { totalRows } = await pushRequests.close(jobId);
      log.info('push request closed', { jobId, reason, totalRows });
      return { totalRows };
    },
  };
}
