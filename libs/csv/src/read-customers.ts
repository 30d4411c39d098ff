import {
  type ColumnMapping,
  type CustomerColumn,
  type CustomerRecord,
  mapHeader,
  REQUIRED_COLUMNS,
  type TextEncoding,
  validateCustomerRecord,
} from '@enrich/domain';
import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import { type BrokenRecord, type CsvRecord, CsvRecordSplitter } from './csv-records';

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

/** A data row: its validated record (or why it has none) and every cell as written, in file order. */
export type CsvRow =
  | { rowNumber: number; lineNumber: number; ok: true; record: CustomerRecord; cells: string[] }
  | { rowNumber: number; lineNumber: number; ok: false; reason: string; raw: Record<string, string>; cells: string[] };

export interface ReadOptions {
  /** Skip (do not yield) rows up to and including this row number: used to resume staging. */
  afterRow?: number;
  /** Which header feeds which column, where the user said so; the rest is inferred. */
  mapping?: ColumnMapping;
  /** The file's text encoding, as decided when it was uploaded (`EncodingSniffer`); UTF-8 unless told. */
  encoding?: TextEncoding;
  /** Longest record read, in characters (1,000,000 unless told): a longer one is quarantined. */
  maxRecordChars?: number;
  /** Called once with the header row as written, before the first row is yielded. */
  onHeader?: (header: string[]) => Promise<void> | void;
}

/**
 * Streams customer rows out of a CSV file in constant memory, in any of the supported encodings
 * ({@link CsvRecordSplitter} says how records are read: RFC 4180 quoting, any line ends, blank
 * lines skipped). The header row is matched against the known columns. A row that cannot be read or
 * validated is yielded with its line and reason rather than thrown — a record over the size limit,
 * a stray quote, a ragged row, an invalid email — so one bad row never stops a file.
 *
 * @throws {@link CsvFormatError} when the file is empty, its header cannot be read or lacks a
 * required column, or its bytes are not valid in its encoding, naming the line.
 */
export async function* readCustomerRows(source: Readable, options: ReadOptions = {}): AsyncGenerator<CsvRow> {
  const afterRow = options.afterRow ?? 0;
  const splitter = new CsvRecordSplitter(options.maxRecordChars);
  let columns: ReadonlyArray<CustomerColumn | null> | undefined;
  let headerWidth = 0;
  let rowNumber = 0;
  for await (const records of recordsOf(source, options.encoding ?? 'utf-8', splitter)) {
    for (const record of records) {
      if (!columns) {
        if (!('fields' in record)) throw new CsvFormatError(`line ${record.line}: the header row cannot be read: ${record.reason}`, record.line);
        columns = headerColumns(record, options.mapping);
        headerWidth = record.fields.length;
        await options.onHeader?.(record.fields);
        continue;
      }
      rowNumber += 1;
      if (rowNumber <= afterRow) continue;
      const lineNumber = record.line;
      if (!('fields' in record)) {
        yield { rowNumber, lineNumber, ok: false, raw: {}, cells: [], reason: `line ${lineNumber}: ${record.reason}` };
        continue;
      }
      const raw = rawValues(columns, record.fields);
      if (record.fields.length !== headerWidth) {
        yield {
          rowNumber,
          lineNumber,
          ok: false,
          raw,
          cells: record.fields,
          reason: `line ${lineNumber}: expected ${headerWidth} columns, found ${record.fields.length}`,
        };
        continue;
      }
      const validation = validateCustomerRecord(raw);
      yield validation.ok
        ? { rowNumber, lineNumber, ok: true, record: validation.record, cells: record.fields }
        : { rowNumber, lineNumber, ok: false, raw, cells: record.fields, reason: `line ${lineNumber}: ${validation.reason}` };
    }
  }
  if (!columns) {
    throw new CsvFormatError(`the file is empty: expected a header row with at least ${REQUIRED_COLUMNS.join(', ')}`, 1);
  }
}

function headerColumns(header: CsvRecord, mapping: ColumnMapping | undefined): ReadonlyArray<CustomerColumn | null> {
  const matched = mapHeader(header.fields, mapping);
  const found = header.fields.join(', ') || 'nothing';
  if (matched.unmatched.length > 0) {
    throw new CsvFormatError(
      `line ${header.line}: the column mapping names header(s) the file does not have: ${matched.unmatched.join(', ')} (found: ${found})`,
      header.line,
    );
  }
  if (matched.missing.length > 0) {
    throw new CsvFormatError(`line ${header.line}: the header is missing required column(s) ${matched.missing.join(', ')} (found: ${found})`, header.line);
  }
  return matched.columns;
}

/**
 * The file's records, a batch per chunk read. The decoder is fatal: a byte the encoding cannot read
 * fails the file naming its line (uploads are checked when they arrive, so only a file changed in
 * the blob store gets there), never a silent U+FFFD.
 */
async function* recordsOf(source: Readable, encoding: TextEncoding, splitter: CsvRecordSplitter): AsyncGenerator<Array<CsvRecord | BrokenRecord>> {
  const text = encoding === 'utf-8' ? utf8Lines(source) : decodeStream(source, encoding);
  try {
    for await (const piece of text) yield splitter.push(piece);
  } catch (error) {
    // The records read before a fatal error are still reported, the one left open included.
    if (error instanceof CsvFormatError) yield splitter.end();
    throw error;
  }
  yield splitter.end();
}

/**
 * UTF-8 text in whole lines: each chunk is cut after its last LF byte (never part of a multi-byte
 * character), so every piece decodes alone and a bad byte is found on its exact line; the lines
 * before it are still given out.
 */
async function* utf8Lines(source: Readable): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let carry: Buffer = Buffer.alloc(0);
  let line = 1;
  // The byte order mark stays in the text (the splitter drops it): a decoder told to drop it would
  // drop one at the start of every piece.
  const take = (text: string): string => {
    line += lineBreaks(text);
    return text;
  };
  function* decode(bytes: Buffer): Generator<string> {
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch (error) {
      const bad = firstBadLine(bytes);
      if (bad > 0) yield take(decoder.decode(bytes.subarray(0, bad)));
      throw new CsvFormatError(`line ${line}: the file is not valid UTF-8 on this line`, line, { cause: error });
    }
    yield take(text);
  }
  for await (const chunk of source as AsyncIterable<Buffer>) {
    const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    const cut = bytes.lastIndexOf(0x0a) + 1;
    // No LF for a megabyte (CR-only line ends): decode what is there, bar a possible partial character.
    const end = cut > 0 ? cut : bytes.length > 1 << 20 ? utf8Boundary(bytes) : 0;
    carry = bytes.subarray(end);
    if (end > 0) yield* decode(bytes.subarray(0, end));
  }
  if (carry.length > 0) yield* decode(carry);
}

/** Where the first line of `bytes` that is not valid UTF-8 starts. */
function firstBadLine(bytes: Buffer): number {
  for (let start = 0; start < bytes.length;) {
    const lf = bytes.indexOf(0x0a, start);
    const end = lf < 0 ? bytes.length : lf + 1;
    if (!isUtf8(bytes.subarray(start, end))) return start;
    start = end;
  }
  return bytes.length;
}

/** Where the last complete UTF-8 character of `bytes` ends. */
function utf8Boundary(bytes: Buffer): number {
  let end = bytes.length;
  for (let back = 1; back <= 3 && back <= bytes.length; back++) {
    const byte = bytes[bytes.length - back];
    if ((byte & 0xc0) !== 0x80) {
      // A lead byte: keep it (and its continuation bytes) for the next chunk if incomplete.
      const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
      if (need > back) end = bytes.length - back;
      break;
    }
  }
  return end;
}

/** Other encodings (UTF-16, Windows-1252) through a streaming decoder; its line is the last one read. */
async function* decodeStream(source: Readable, encoding: TextEncoding): AsyncGenerator<string> {
  const decoder = new TextDecoder(encoding, { fatal: true });
  let line = 1;
  const decode = (bytes?: Buffer): string => {
    try {
      const text = bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
      line += lineBreaks(text);
      return text;
    } catch (error) {
      throw new CsvFormatError(`line ${line}: the file is not valid ${encoding}`, line, { cause: error });
    }
  };
  for await (const chunk of source as AsyncIterable<Buffer>) yield decode(chunk);
  yield decode();
}

function lineBreaks(text: string): number {
  return text.match(/\r\n|\r|\n/g)?.length ?? 0;
}

function rawValues(columns: ReadonlyArray<CustomerColumn | null>, record: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  columns.forEach((column, index) => {
    if (column && record[index] !== undefined) values[column] = record[index];
  });
  return values;
}
