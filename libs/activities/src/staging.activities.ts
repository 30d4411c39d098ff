import { ApplicationFailure, heartbeat, activityInfo, log } from '@temporalio/activity';
import type { FieldSealer } from '@enrich/codec';
import type { BlobStore, JobRepository, StagedRow } from '@enrich/db';
import { PERSONAL_CUSTOMER_FIELDS } from '@enrich/domain';
import { CsvFormatError, readCustomerRows } from './csv/read-customers';

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
  sealer: Pick<FieldSealer, 'sealRecord'>;
  /** Rows per multi-row insert. */
  insertBatchSize?: number;
}

/** Heartbeat details: the last row written, so a retried attempt skips what is already staged. */
interface StagingProgress {
  stagedRows: number;
}

/** Failure type of a file that can never be staged; the workflow fails the job with its message. */
export const CSV_FORMAT_FAILURE = 'CsvFormatError';

export function createStagingActivities({ jobs, blobs, sealer, insertBatchSize = 1_000 }: StagingDeps) {
  return {
    /**
     * Streams the job's file into `job_row` in batches: valid rows as PENDING, invalid ones as
     * QUARANTINED with their line and reason. Inserts skip rows already there, and the heartbeat
     * records the last batch, so a retry after a crash resumes instead of starting over.
     */
    async stageJob({ jobId }: StageJobInput): Promise<StageJobResult> {
      const source = await jobs.source(jobId);
      if (!source) throw ApplicationFailure.nonRetryable(`job ${jobId} does not exist`, 'JobNotFound');
      const resumeFrom = (activityInfo().heartbeatDetails as StagingProgress | undefined)?.stagedRows ?? 0;
      if (resumeFrom === 0) await jobs.markStatus(jobId, 'STAGING');
      let batch: StagedRow[] = [];
      let lastRow = resumeFrom;
      const flush = async () => {
        await jobs.insertRows(jobId, batch);
        lastRow = batch.at(-1)?.rowNumber ?? lastRow;
        batch = [];
        heartbeat({ stagedRows: lastRow } satisfies StagingProgress);
      };
      try {
        for await (const row of readCustomerRows(await blobs.get(source.blobKey), { afterRow: resumeFrom, mapping: source.columnMapping })) {
          batch.push(
            row.ok
              ? { rowNumber: row.rowNumber, lineNumber: row.lineNumber, input: await sealer.sealRecord(row.record, PERSONAL_CUSTOMER_FIELDS), status: 'PENDING' }
              : {
                  rowNumber: row.rowNumber,
                  lineNumber: row.lineNumber,
                  input: await sealer.sealRecord(row.raw, PERSONAL_CUSTOMER_FIELDS),
                  status: 'QUARANTINED',
                  error: row.reason,
                },
          );
          if (batch.length >= insertBatchSize) await flush();
        }
        await flush();
      } catch (error) {
        if (error instanceof CsvFormatError) {
          throw ApplicationFailure.create({ message: error.message, type: CSV_FORMAT_FAILURE, nonRetryable: true, cause: error });
        }
        throw error;
      }
      const counts = await jobs.counts(jobId);
      await jobs.setTotalRows(jobId, counts.total);
      log.info('staged job', { jobId, totalRows: counts.total, quarantined: counts.quarantined, resumedFrom: resumeFrom });
      return { totalRows: counts.total, quarantined: counts.quarantined };
    },
  };
}
