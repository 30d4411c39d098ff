import { CsvError, parse } from 'csv-parse/sync';

/** One record of a CSV file: its fields and the physical line it starts on. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** A record the parser could not read: the line it starts on and why. The rest of the file goes on. */
export interface BrokenRecord {
  line: number;
  reason: string;
}

/**
 * Splits CSV text into records, fed in chunks of any size, in memory bounded by `maxRecordChars`
 * however large the file. RFC 4180 quoting (embedded commas, doubled quotes, line breaks inside
 * quotes); CRLF, LF and lone CR line ends, mixed in one file; blank lines skipped; a UTF-8 byte
 * order mark dropped.
 *
 * A record the parser cannot read does not stop the file: it comes out as a {@link BrokenRecord}
 * naming the line it starts on, and reading resynchronises:
 * - a record longer than `maxRecordChars` on one line: reading goes on at the next line;
 * - a quoted field that is never closed (or not within `maxRecordChars`), or a multi-line record
 *   that is malformed: the line where it starts is reported, and reading goes on at the line after
 *   it, so a stray quote costs one line, not the rest of the file;
 * - a malformed one-line record (a quote in the middle of a field, text after a closing quote).
 *
 * Records without quotes (most of them) are split on commas directly; quoted ones are read by
 * csv-parse.
 */
export class CsvRecordSplitter {
  private buffer = '';
  /** Where the record being read starts in `buffer`, and where scanning goes on. */
  private start = 0;
  private scan = 0;
  private inQuotes = false;
  /** Physical line the record being read starts on. */
  private line = 1;
  /** Skipping the rest of an over-long line. */
  private skipping = false;
  private first = true;

  constructor(private readonly maxRecordChars = 1_000_000) {}

  /** Records completed by `text` (and by what came before it). */
  push(text: string): Array<CsvRecord | BrokenRecord> {
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.buffer = this.start > 0 ? this.buffer.slice(this.start) + text : this.buffer + text;
    this.scan -= this.start;
    this.start = 0;
    const out: Array<CsvRecord | BrokenRecord> = [];
    this.read(out, false);
    return out;
  }

  /** The records left at the end of the text. */
  end(): Array<CsvRecord | BrokenRecord> {
    const out: Array<CsvRecord | BrokenRecord> = [];
    this.read(out, true);
    return out;
  }

  private read(out: Array<CsvRecord | BrokenRecord>, atEnd: boolean): void {
    const special = /["\r\n]/g;
    for (;;) {
      const { buffer } = this;
      if (this.skipping) {
        const nl = /[\r\n]/g;
        nl.lastIndex = this.scan;
        const found = nl.exec(buffer);
        if (!found) {
          // Drop what is skipped as it comes.
          this.buffer = '';
          this.start = this.scan = 0;
          if (atEnd) this.skipping = false;
          return;
        }
        this.skipping = false;
        const after = this.lineBreakEnd(found.index, atEnd);
        if (after < 0) return;
        this.line += 1;
        this.start = this.scan = after;
        continue;
      }
      if (this.inQuotes) {
        const quote = buffer.indexOf('"', this.scan);
        if (quote < 0 || (quote === buffer.length - 1 && !atEnd)) {
          // The field goes on (or the quote may be the first of a doubled one): wait for more.
          this.scan = quote < 0 ? buffer.length : quote;
          if (buffer.length - this.start > this.maxRecordChars) {
            this.resync(out, `a quoted field opened on this line is not closed within ${this.maxRecordChars.toLocaleString('en-US')} characters`);
            continue;
          }
          if (!atEnd) return;
          if (quote < 0) {
            if (this.start < buffer.length) {
              this.resync(out, 'a quoted field opened on this line is never closed');
              continue;
            }
            return;
          }
        }
        if (buffer[quote + 1] === '"') {
          this.scan = quote + 2;
          continue;
        }
        this.inQuotes = false;
        this.scan = quote + 1;
        continue;
      }
      special.lastIndex = this.scan;
      const found = special.exec(buffer);
      if (!found) {
        this.scan = buffer.length;
        if (buffer.length - this.start > this.maxRecordChars) {
          out.push({ line: this.line, reason: `the record is longer than ${this.maxRecordChars.toLocaleString('en-US')} characters` });
          this.skipping = true;
          this.start = this.scan = buffer.length;
          continue;
        }
        if (atEnd && this.start < buffer.length) {
          this.complete(out, buffer.slice(this.start), buffer.length);
          continue;
        }
        return;
      }
      if (found[0] === '"') {
        // Only a quote that starts a field opens a quoted field; elsewhere it is text, which the
        // record's parse then refuses (or reads, when the field is quoted as a whole).
        const before = found.index === this.start ? ',' : buffer[found.index - 1];
        if (before === ',') this.inQuotes = true;
        this.scan = found.index + 1;
        continue;
      }
      const after = this.lineBreakEnd(found.index, atEnd);
      if (after < 0) return;
      this.complete(out, buffer.slice(this.start, found.index), after);
    }
  }

  /** Where the line break at `at` ends (CRLF is one break), or -1 when a CR ends the text so far. */
  private lineBreakEnd(at: number, atEnd: boolean): number {
    if (this.buffer[at] === '\n') return at + 1;
    if (at + 1 < this.buffer.length) return this.buffer[at + 1] === '\n' ? at + 2 : at + 1;
    return atEnd ? at + 1 : -1;
  }

  /** A record's text is complete (it ends before `next`): parse it and move on. */
  private complete(out: Array<CsvRecord | BrokenRecord>, text: string, next: number): void {
    const lines = text.includes('"') ? countLineBreaks(text) : 0;
    if (text.length > this.maxRecordChars) {
      const reason = `the record is longer than ${this.maxRecordChars.toLocaleString('en-US')} characters`;
      if (lines > 0) {
        this.resync(out, reason);
        return;
      }
      out.push({ line: this.line, reason });
    } else if (text.trim() === '' && lines === 0) {
      // A blank line.
    } else if (!text.includes('"')) {
      out.push({ line: this.line, fields: text.split(',') });
    } else {
      const parsed = parseQuoted(text);
      if ('fields' in parsed) out.push({ line: this.line, fields: parsed.fields });
      else if (lines > 0) {
        // A malformed record over several lines: report its first line, read the next ones again.
        this.resync(out, parsed.reason);
        return;
      } else out.push({ line: this.line, reason: parsed.reason });
    }
    this.line += 1 + lines;
    this.start = this.scan = next;
  }

  /** Reports the record's first line as broken and reads again from the line after it. */
  private resync(out: Array<CsvRecord | BrokenRecord>, reason: string): void {
    out.push({ line: this.line, reason });
    const firstBreak = /\r\n|\r|\n/g;
    firstBreak.lastIndex = this.start;
    const found = firstBreak.exec(this.buffer);
    this.inQuotes = false;
    this.line += 1;
    if (!found) {
      // The record was all on one line (the end of the text): nothing to read again.
      this.start = this.scan = this.buffer.length;
      return;
    }
    this.start = this.scan = found.index + found[0].length;
  }
}

function countLineBreaks(text: string): number {
  return text.match(/\r\n|\r|\n/g)?.length ?? 0;
}

const REASONS: Record<string, string> = {
  CSV_INVALID_CLOSING_QUOTE: 'a quoted field is followed by other characters before the next comma',
  INVALID_OPENING_QUOTE: 'a quote inside a field that does not start with one (double it, or quote the whole field)',
  CSV_QUOTE_NOT_CLOSED: 'a quoted field opened on this line is never closed',
};

function parseQuoted(text: string): { fields: string[] } | { reason: string } {
  try {
    const records = parse(text, { relax_column_count: true, record_delimiter: ['\r\n', '\n', '\r'] }) as string[][];
    return { fields: records[0] ?? [] };
  } catch (error) {
    if (error instanceof CsvError) return { reason: REASONS[error.code] ?? error.message.replace(/ at line \d+/, '') };
    throw error;
  }
}
