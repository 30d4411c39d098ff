import type { FieldSealer } from '@enrich/codec';
import type { JobRepository, RowResult } from '@enrich/db';
import { sealPersonalFieldsOfRows } from '@enrich/domain';

export interface RowResultsWriterOptions {
  jobs: Pick<JobRepository, 'saveRowResults'>;
  jobId: string;
  sealer: Pick<FieldSealer, 'sealRecord'>;
  /** Rows written in one transaction once this many are waiting … */
  maxRows: number;
  /** … or once the oldest has waited this long. */
  maxDelayMs: number;
  /** After each write (the page heartbeats its progress). */
  onWritten(rows: readonly RowResult[]): void;
}

/**
 * Writes a page's finished rows in batches, by size or by time, one write at a time: rows finish
 * in any order and never wait for each other, and each write is one transaction (a row is either
 * written with all its fields or still pending). A failed write fails the next `add` or `close`.
 */
export class RowResultsWriter {
  private buffer: RowResult[] = [];
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();
  private failure?: unknown;

  constructor(private readonly options: RowResultsWriterOptions) {}

  /** Queues a finished row; waits only when a full batch is being written (backpressure). */
  async add(row: RowResult): Promise<void> {
    this.throwIfFailed();
    this.buffer.push(row);
    if (this.buffer.length >= this.options.maxRows) return this.flush();
    this.timer ??= setTimeout(() => void this.flush().catch(() => undefined), this.options.maxDelayMs);
  }

  /** Writes what is left and waits for every write. */
  async close(): Promise<void> {
    await this.flush();
    this.throwIfFailed();
  }

  private flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const rows = this.buffer;
    this.buffer = [];
    this.writing = this.writing.then(async () => {
      if (rows.length === 0 || this.failure) return;
      try {
        const { jobs, jobId, sealer, onWritten } = this.options;
        await jobs.saveRowResults(jobId, await sealPersonalFieldsOfRows(sealer, rows));
        onWritten(rows);
      } catch (error) {
        this.failure ??= error;
      }
    });
    return this.writing.then(() => this.throwIfFailed());
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
