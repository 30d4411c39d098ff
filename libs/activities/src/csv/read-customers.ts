import {
  type ColumnMapping,
  type CustomerColumn,
  type CustomerRecord,
  mapHeader,
  REQUIRED_COLUMNS,
  type TextEncoding,
  validateCustomerRecord,
} from '@enrich/domain';
import { CsvError, parse } from 'csv-parse';
import { type Readable, Transform } from 'node:stream';

/** The file cannot be read as a customer CSV at all; the message names the line. */
export class CsvFormatError extends Error {
  override readonly name = 'CsvFormatError';
  constructor(
    message: string,
    readonly line: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type CsvRow =
  | { rowNumber: number; lineNumber: number; ok: true; record: CustomerRecord }
  | { rowNumber: number; lineNumber: number; ok: false; reason: string; raw: Record<string, string> };

export interface ReadOptions {
  /** Skip (do not yield) rows up to and including this row number: used to resume staging. */
  afterRow?: number;
  /** Which header feeds which column, where the user said so; the rest is inferred. */
  mapping?: ColumnMapping;
  /** The file's text encoding, as decided when it was uploaded (`EncodingSniffer`); UTF-8 unless told. */
  encoding?: TextEncoding;
}

/**
 * Streams customer rows out of a CSV file in constant memory: RFC 4180 quoting (embedded commas,
 * quotes and newlines), a UTF-8 BOM, CRLF or LF line ends, blank lines skipped. The header row is
 * matched against the known columns; a row that cannot be validated is yielded with its reason
 * rather than thrown, so one bad row never stops a file.
 *
 * @throws {@link CsvFormatError} when the file is empty, lacks a required column, or is malformed
 * (an unterminated quote, say), naming the line.
 */
export async function* readCustomerRows(source: Readable, options: ReadOptions = {}): AsyncGenerator<CsvRow> {
  const afterRow = options.afterRow ?? 0;
  const text = options.encoding && options.encoding !== 'utf-8' ? source.pipe(toUtf8(options.encoding)) : source;
  if (text !== source) source.on('error', (error) => text.destroy(error));
  const parser = text.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true, max_record_size: 1_000_000 }));
  text.on('error', (error) => parser.destroy(error));
  let columns: ReadonlyArray<CustomerColumn | null> | undefined;
  let headerWidth = 0;
  let rowNumber = 0;
  // csv-parse counts a CRLF inside a quoted field as two lines; this undoes that for line numbers.
  let embeddedCrlfs = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const breaks = countBreaks(record);
      embeddedCrlfs += breaks.crlf;
      const lineNumber = info.lines - embeddedCrlfs - breaks.all;
      if (!columns) {
        const mapping = mapHeader(record, options.mapping);
        if (mapping.unmatched.length > 0) {
          throw new CsvFormatError(
            `line ${lineNumber}: the column mapping names header(s) the file does not have: ${mapping.unmatched.join(', ')} (found: ${record.join(', ') || 'nothing'})`,
            lineNumber,
          );
        }
        if (mapping.missing.length > 0) {
          throw new CsvFormatError(
            `line ${lineNumber}: the header is missing required column(s) ${mapping.missing.join(', ')} (found: ${record.join(', ') || 'nothing'})`,
            lineNumber,
          );
        }
        columns = mapping.columns;
        headerWidth = record.length;
        continue;
      }
      rowNumber += 1;
      if (rowNumber <= afterRow) continue;
      const raw = rawValues(columns, record);
      if (record.length !== headerWidth) {
        yield { rowNumber, lineNumber, ok: false, raw, reason: `line ${lineNumber}: expected ${headerWidth} columns, found ${record.length}` };
        continue;
      }
      const validation = validateCustomerRecord(raw);
      yield validation.ok
        ? { rowNumber, lineNumber, ok: true, record: validation.record }
        : { rowNumber, lineNumber, ok: false, raw, reason: `line ${lineNumber}: ${validation.reason}` };
    }
  } catch (error) {
    if (error instanceof CsvFormatError) throw error;
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw new CsvFormatError(`line ${line ?? '?'}: ${error.message}`, line, { cause: error });
    }
    throw error;
  }
  if (!columns) {
    throw new CsvFormatError(`the file is empty: expected a header row with at least ${REQUIRED_COLUMNS.join(', ')}`, 1);
  }
}

/**
 * Transcodes a file to UTF-8 for the parser. The decoder is fatal: a byte the encoding cannot read
 * fails the file naming its line (the upload was checked already, so only a file that changed in
 * the blob store gets here), never a silent U+FFFD. The byte order mark is dropped. UTF-8 files
 * skip this step: csv-parse reads them as they are.
 */
function toUtf8(encoding: TextEncoding): Transform {
  const decoder = new TextDecoder(encoding, { fatal: true });
  let lines = 1;
  const decode = (bytes?: Buffer): string => {
    try {
      const text = bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
      for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lines += 1;
      return text;
    } catch (error) {
      throw new CsvFormatError(`line ${lines}: the file is not valid ${encoding}`, lines, { cause: error });
    }
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        done(null, decode(chunk));
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done) {
      try {
        done(null, decode());
      } catch (error) {
        done(error as Error);
      }
    },
  });
}

function rawValues(columns: ReadonlyArray<CustomerColumn | null>, record: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  columns.forEach((column, index) => {
    if (column && record[index] !== undefined) values[column] = record[index];
  });
  return values;
}

function countBreaks(record: readonly string[]): { all: number; crlf: number } {
  let all = 0;
  let crlf = 0;
  for (const field of record) {
    if (!field.includes('\n') && !field.includes('\r')) continue;
    all += field.match(/\r\n|\r|\n/g)?.length ?? 0;
    crlf += field.match(/\r\n/g)?.length ?? 0;
  }
  return { all, crlf };
}
