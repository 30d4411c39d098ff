import type { ProviderCallEntry, ProviderCallRepository } from '@enrich/db';
import type { CallLedger } from '@enrich/providers';
import DataLoader from 'dataloader';

/**
 * The ledgers of the jobs a process enriches, over one writer: the entries recorded within one turn
 * of the event loop (the calls a page's rows are about to make together) go to the database in one
 * statement, and each caller waits until it is stored before its request leaves.
 */
export class JobCallLedgers {
  private readonly writes: DataLoader<ProviderCallEntry, void>;

  constructor(repository: Pick<ProviderCallRepository, 'recordMany'>) {
    this.writes = new DataLoader(
      async (entries) => {
        await repository.recordMany(entries);
        return entries.map(() => undefined);
      },
      { cache: false, maxBatchSize: 500, batchScheduleFn: (run) => setImmediate(run) },
    );
  }

  /** The ledger of `jobId`'s calls. */
  forJob(jobId: string): CallLedger {
    return { record: (vendor, usage) => this.writes.load({ jobId, vendor, ...usage }) };
  }
}
