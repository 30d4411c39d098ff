/**
 * Which text encoding an uploaded file is in, decided from its bytes and what the caller said,
 * without ever turning a byte the encoding cannot read into U+FFFD.
 *
 * The rule (in this order):
 * 1. A byte order mark decides: UTF-8, UTF-16 LE or UTF-16 BE.
 * 2. Otherwise the encoding the caller named (`encoding` field or `charset`), if any.
 * 3. Otherwise UTF-8 when every byte is valid UTF-8.
 * 4. Otherwise Windows-1252 when the file has no valid multi-byte UTF-8 sequence at all (the
 *    high bytes stand alone, as accented letters of a single-byte encoding do).
 * 5. Otherwise the file is UTF-8 with bad bytes: refused, naming the first bad line.
 *
 * Pure and incremental: feed chunks with {@link EncodingSniffer.push}, then call
 * {@link EncodingSniffer.finish} with the encoding the caller named, if any.
 */

/** Encodings the platform reads. `windows-1252` is also what the labels latin1 and iso-8859-1 mean (as in browsers). */
export const TEXT_ENCODINGS = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252'] as const;
export type TextEncoding = (typeof TEXT_ENCODINGS)[number];

const LABELS: Readonly<Record<string, TextEncoding>> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'utf-16le': 'utf-16le',
  'utf-16be': 'utf-16be',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  latin1: 'windows-1252',
  'latin-1': 'windows-1252',
  'iso-8859-1': 'windows-1252',
  'iso8859-1': 'windows-1252',
  'us-ascii': 'windows-1252',
  ascii: 'windows-1252',
};

/** The encoding a label names (case-insensitive), or undefined when the platform does not read it. */
export function encodingFromLabel(label: string): TextEncoding | undefined {
  return LABELS[label.trim().toLowerCase()];
}

/** The labels {@link encodingFromLabel} accepts, for error messages. */
export const ENCODING_LABELS = Object.keys(LABELS);

export type SniffResult =
  { ok: true; encoding: TextEncoding; how: 'bom' | 'named' | 'valid-utf-8' | 'single-byte' } | { ok: false; line: number; reason: string };

/** Watches a file's bytes go by and decides its encoding at the end (see the module's rule). */
export class EncodingSniffer {
  private head = new Uint8Array(0);
  private bom: TextEncoding | undefined;
  private bomDecided = false;
  /** Line of the byte being read (1-based; counts LF bytes, which UTF-8 and Windows-1252 share). */
  private line = 1;
  /** UTF-8 state: continuation bytes still expected, and the bounds of the next one. */
  private pending = 0;
  private lower = 0x80;
  private upper = 0xbf;
  private multiByte = 0;
  private lead = 0;
  private firstBad: { line: number; byte: number } | undefined;
  /** UTF-16: a byte left over from the last chunk, and whether a low surrogate must come next. */
  private oddByte: number | undefined;
  private highSurrogate = false;

  push(chunk: Uint8Array): void {
    let bytes = chunk;
    if (!this.bomDecided) {
      // The first three bytes decide the BOM, whatever the chunk sizes.
      const joined = new Uint8Array(this.head.length + chunk.length);
      joined.set(this.head);
      joined.set(chunk, this.head.length);
      if (joined.length < 3) {
        this.head = joined;
        return;
      }
      this.bomDecided = true;
      this.head = new Uint8Array(0);
      this.bom = bomOf(joined);
      bytes = joined;
    }
    if (this.bom === 'utf-16le' || this.bom === 'utf-16be') this.scanUtf16(bytes, this.bom === 'utf-16le');
    else this.scanUtf8(bytes);
  }

  /** The encoding of everything pushed so far; `named` is the caller's, when they named one. */
  finish(named?: TextEncoding): SniffResult {
    if (!this.bomDecided) {
      this.bomDecided = true;
      this.bom = bomOf(this.head);
      if (this.bom === undefined) this.scanUtf8(this.head);
    }
    if (this.pending > 0 || this.oddByte !== undefined || this.highSurrogate) this.bad(this.pending > 0 ? this.lead : -1);
    if (this.bom === 'utf-16le' || this.bom === 'utf-16be') return this.firstBad ? this.refuse(this.bom) : { ok: true, encoding: this.bom, how: 'bom' };
    if (this.bom === 'utf-8') return this.firstBad ? this.refuse('utf-8') : { ok: true, encoding: 'utf-8', how: 'bom' };
    if (named && named !== 'utf-8') return { ok: true, encoding: named, how: 'named' };
    if (this.firstBad === undefined) return { ok: true, encoding: 'utf-8', how: named ? 'named' : 'valid-utf-8' };
    if (!named && this.multiByte === 0) return { ok: true, encoding: 'windows-1252', how: 'single-byte' };
    return this.refuse('utf-8');
  }

  private refuse(encoding: TextEncoding): SniffResult {
    const bad = this.firstBad ?? { line: this.line, byte: -1 };
    const name = encoding === 'utf-8' ? 'UTF-8' : encoding.toUpperCase();
    const what =
      bad.byte < 0
        ? `the file ends inside a ${name} character`
        : `${bad.byte > 0xff ? 'code unit' : 'byte'} 0x${bad.byte.toString(16).toUpperCase().padStart(2, '0')} is not valid ${name}`;
    return {
      ok: false,
      line: bad.line,
      reason:
        `line ${bad.line}: ${what}. ` +
        'If the file is in another encoding, name it (encoding=windows-1252, latin1, utf-16le, utf-16be, or a charset in the Content-Type); otherwise fix the bytes on that line',
    };
  }

  /** UTF-16: a high surrogate must be followed by a low one, and a low one never stands alone. */
  private scanUtf16(bytes: Uint8Array, littleEndian: boolean): void {
    let i = 0;
    const unitAt = (a: number, b: number) => (littleEndian ? a | (b << 8) : (a << 8) | b);
    if (this.oddByte !== undefined && bytes.length > 0) {
      this.unit(unitAt(this.oddByte, bytes[0]));
      this.oddByte = undefined;
      i = 1;
    }
    for (; i + 1 < bytes.length && this.firstBad === undefined; i += 2) this.unit(unitAt(bytes[i], bytes[i + 1]));
    if (i < bytes.length && this.firstBad === undefined) this.oddByte = bytes[i];
  }

  private unit(code: number): void {
    if (this.highSurrogate) {
      if (code < 0xdc00 || code > 0xdfff) return this.bad(code);
      this.highSurrogate = false;
      return;
    }
    if (code >= 0xd800 && code <= 0xdbff) this.highSurrogate = true;
    else if (code >= 0xdc00 && code <= 0xdfff) this.bad(code);
    else if (code === 0x0a) this.line += 1;
  }

  /**
   * UTF-8 validity per RFC 3629 (no overlongs, no surrogates, nothing above U+10FFFF). Goes on past a
   * bad byte, counting valid multi-byte sequences, so a UTF-8 file with one broken character is told
   * apart from a single-byte file.
   */
  private scanUtf8(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i];
      if (this.pending > 0) {
        const continues = byte >= this.lower && byte <= this.upper;
        this.lower = 0x80;
        this.upper = 0xbf;
        if (!continues) {
          // The sequence is broken: name its first byte, then read this one again as a new start.
          this.pending = 0;
          this.bad(this.lead);
          i -= 1;
          continue;
        }
        this.pending -= 1;
        if (this.pending === 0) this.multiByte += 1;
        continue;
      }
      if (byte === 0x0a) this.line += 1;
      if (byte < 0x80) continue;
      this.lead = byte;
      if (byte >= 0xc2 && byte <= 0xdf) this.pending = 1;
      else if (byte >= 0xe0 && byte <= 0xef) {
        this.pending = 2;
        if (byte === 0xe0) this.lower = 0xa0;
        if (byte === 0xed) this.upper = 0x9f;
      } else if (byte >= 0xf0 && byte <= 0xf4) {
        this.pending = 3;
        if (byte === 0xf0) this.lower = 0x90;
        if (byte === 0xf4) this.upper = 0x8f;
      } else this.bad(byte);
    }
  }

  private bad(byte: number): void {
    this.firstBad ??= { line: this.line, byte };
  }
}

function bomOf(bytes: Uint8Array): TextEncoding | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}
