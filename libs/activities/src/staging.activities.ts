import { ApplicationFailure, Context, heartbeat, activityInfo, log } from '@temporalio/activity';
import type { FieldSealer } from '@enrich/codec';
import { CsvFormatError, readCustomerRows } from '@enrich/csv';
import { BlobNotFoundError, type BlobStore, type JobRepository, type StagedRow } from '@enrich/db';
import { FAILURE_TYPES, PERSONAL_CUSTOMER_FIELDS, ROWS_STAGED_SIGNAL, type RowsStaged } from '@enrich/domain';
import type { Readable } from 'node:stream';
import { setImmediate } from 'node:timers/promises';

/** Rows staged between two turns of the event loop. */
const YIELD_EVERY_ROWS = 100;

export interface StageJobInput {
  jobId: string;
}

export interface StageJobResult {
  totalRows: number;
  quarantined: number;
}

export interface StagingDeps {
  jobs: JobRepository;
  blobs: BlobStore;
  /** Seals personal fields before they are stored: rows at rest hold them encrypted. */
  sealer: Pick<FieldSealer, 'sealRecord' | 'seal'>;
  /** Rows per multi-row insert. */
  insertBatchSize?: number;
  /** Least time between two {@link ROWS_STAGED_SIGNAL}s to the job's workflow (the first goes at once). */
  signalEveryMs?: number;
  /** Told of each job's rows once its file is staged (metrics). */
  observer?: StagingObserver;
}

/** What staging reports (the worker's metrics): a job's rows, and how many of them were quarantined, once per staged file. */
export interface StagingObserver {
  staged(counts: { total: number; quarantined: number }): void;
}

/** Heartbeat details: the last row written, so a retried attempt skips what is already staged. */
interface StagingProgress {
  stagedRows: number;
}

export function createStagingActivities({ jobs, blobs, sealer, insertBatchSize = 1_000, signalEveryMs = 1_000, observer }: StagingDeps) {
  return {
    /**
     * Streams the job's file into `job_row` in batches: valid rows as PENDING, invalid ones as
     * QUARANTINED with their line and reason. Inserts skip rows already there, and the heartbeat
     * records the last batch, so a retry after a crash resumes instead of starting over. As batches
     * land, the job's workflow is told how far staging got, so its pages start before the end of
     * the file.
     */
    async stageJob({ jobId }: StageJobInput): Promise<StageJobResult> {
      const source = await jobs.source(jobId);
      if (!source) throw ApplicationFailure.nonRetryable(`job ${jobId} does not exist`, FAILURE_TYPES.JOB_NOT_FOUND);
      const blobKey = source.blobKey;
      // A push request's rows are staged by the API as they arrive: it has no file.
      if (blobKey === null) throw ApplicationFailure.nonRetryable(`job ${jobId} has no file to stage`, FAILURE_TYPES.CSV_FORMAT);
      const resumeFrom = (activityInfo().heartbeatDetails as StagingProgress | undefined)?.stagedRows ?? 0;
      let file: Readable;
      try {
        file = await blobs.get(blobKey);
      } catch (error) {
        if (!(error instanceof BlobNotFoundError)) throw error;
        // The upload is deleted once every row is staged: an attempt retried after that (its
        // completion was lost) finds the rows all there and the total recorded.
        const counts = await jobs.counts(jobId);
        if (source.header.length === 0 || counts.total !== source.totalRows) throw error;
        return { totalRows: counts.total, quarantined: counts.quarantined };
      }
      if (resumeFrom === 0) await jobs.markStaging(jobId);
      const notify = stagedRowsNotifier(signalEveryMs);
      let batch: StagedRow[] = [];
      let lastRow = resumeFrom;
      const flush = async () => {
        await jobs.insertRows(jobId, batch);
        lastRow = batch.at(-1)?.rowNumber ?? lastRow;
        batch = [];
        heartbeat({ stagedRows: lastRow } satisfies StagingProgress);
        await notify(lastRow);
      };
      try {
        for await (const row of readCustomerRows(file, {
          afterRow: resumeFrom,
          mapping: source.columnMapping,
          encoding: source.encoding,
          onHeader: (header) => jobs.setHeader(jobId, header),
        })) {
          batch.push(
            row.ok
              ? {
                  rowNumber: row.rowNumber,
                  lineNumber: row.lineNumber,
                  input: await sealer.sealRecord(row.record, PERSONAL_CUSTOMER_FIELDS),
                  cells: await sealer.seal(row.cells),
                  status: 'PENDING',
                }
              : {
                  rowNumber: row.rowNumber,
                  lineNumber: row.lineNumber,
                  input: await sealer.sealRecord(row.raw, PERSONAL_CUSTOMER_FIELDS),
                  cells: await sealer.seal(row.cells),
                  status: 'QUARANTINED',
                  error: row.reason,
                },
          );
          if (batch.length >= insertBatchSize) await flush();
          // Parsing and sealing a buffered chunk of the file resolves without I/O; let the pages
          // this worker runs at the same time get their provider answers in between.
          else if (batch.length % YIELD_EVERY_ROWS === 0) await setImmediate();
        }
        await flush();
      } catch (error) {
        if (error instanceof CsvFormatError) {
          // The rows read before the error (quarantined ones included) are kept and reported; the
          // upload goes (it holds personal data in the clear).
          await flush();
          await blobs.delete(blobKey);
          observer?.staged(await jobs.counts(jobId));
          throw ApplicationFailure.create({ message: error.message, type: FAILURE_TYPES.CSV_FORMAT, nonRetryable: true, cause: error });
        }
        throw error;
      }
      const counts = await jobs.counts(jobId);
      await jobs.setTotalRows(jobId, counts.total);
      // Every row is in the database now, personal fields sealed: the plaintext upload goes.
      await blobs.delete(blobKey);
      // Once per file: a retry after this finds the upload gone and reports nothing again.
      observer?.staged(counts);
      log.info('staged job', { jobId, totalRows: counts.total, quarantined: counts.quarantined, resumedFrom: resumeFrom });
      return { totalRows: counts.total, quarantined: counts.quarantined };
    },
  };
}

/**
 * Signals the workflow that scheduled the current activity with the last staged row: at once the
 * first time, then at most every `everyMs`, so a file of millions of rows adds a few hundred history
 * events, not one per batch. A signal that cannot be delivered is only logged: the activity's result
 * carries the final count anyway.
 */
function stagedRowsNotifier(everyMs: number): (through: number) => Promise<void> {
  const { workflowExecution } = activityInfo();
  // Run outside a workflow (a standalone activity), there is nobody to tell.
  if (!workflowExecution) return async () => undefined;
  const workflow = Context.current().client.workflow.getHandle(workflowExecution.workflowId, workflowExecution.runId);
  let lastSent = 0;
  let lastAt = -Infinity;
  return async (through) => {
    if (through <= lastSent || performance.now() - lastAt < everyMs) return;
    lastAt = performance.now();
    try {
      await workflow.signal<[RowsStaged]>(ROWS_STAGED_SIGNAL, { through });
      lastSent = through;
    } catch (error) {
      log.warn('could not tell the workflow how far staging got', { through, error: (error as Error).message });
    }
  };
}
