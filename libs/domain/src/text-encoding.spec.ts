import fc from 'fast-check';
import { EncodingSniffer, encodingFromLabel, type SniffResult, type TextEncoding } from './text-encoding';

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
const latin1 = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));
const utf16le = (text: string) => new Uint8Array(Buffer.from(`\ufeff${text}`, 'utf16le'));
const utf16be = (text: string) => new Uint8Array(Buffer.from(`\ufeff${text}`, 'utf16le').swap16());
const join = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** Sniffs `bytes` fed in chunks of `size` bytes. */
function sniff(bytes: Uint8Array, named?: TextEncoding, size = 7): SniffResult {
  const sniffer = new EncodingSniffer();
  for (let at = 0; at < bytes.length; at += size) sniffer.push(bytes.subarray(at, at + size));
  return sniffer.finish(named);
}

const CSV = 'email,first_name,last_name\njose@example.com,José,Müller\nzoe@example.com,Zoë,Ørsted\n';

describe('EncodingSniffer', () => {
  it.each([
    ['UTF-8 without BOM', utf8(CSV), { encoding: 'utf-8', how: 'valid-utf-8' }],
    ['UTF-8 with BOM', join(utf8('\ufeff'), utf8(CSV)), { encoding: 'utf-8', how: 'bom' }],
    ['UTF-16 LE with BOM', utf16le(CSV), { encoding: 'utf-16le', how: 'bom' }],
    ['UTF-16 BE with BOM', utf16be(CSV), { encoding: 'utf-16be', how: 'bom' }],
    ['Windows-1252 / Latin-1 (no multi-byte UTF-8 at all)', latin1(CSV), { encoding: 'windows-1252', how: 'single-byte' }],
    ['Windows-1252 ending on an accented letter', latin1('email,name\na@b.co,José'), { encoding: 'windows-1252', how: 'single-byte' }],
    ['plain ASCII', utf8('email\na@b.co\n'), { encoding: 'utf-8', how: 'valid-utf-8' }],
    ['an empty file', new Uint8Array(0), { encoding: 'utf-8', how: 'valid-utf-8' }],
  ])('%s', (_name, bytes, expected) => {
    for (const size of [1, 2, 3, 7, 4096]) expect(sniff(bytes, undefined, size)).toEqual({ ok: true, ...expected });
  });

  it.each([
    ['at the start', join(new Uint8Array([0xff]), utf8(`email\n${CSV}`)), 1],
    ['in the middle', join(utf8('email,name\na@b.co,Zoë\n'), new Uint8Array([0x62, 0x40, 0x62, 0x2e, 0x63, 0x6f, 0x2c, 0xe9, 0x0a])), 3],
    ['at the end (a truncated character)', join(utf8('email,name\nc@d.co,Zoë\nx@y.co,'), new Uint8Array([0xc3])), 3],
  ])('refuses a UTF-8 file with a bad byte %s, naming its line', (_name, bytes, line) => {
    const result = sniff(bytes);
    expect(result).toMatchObject({ ok: false, line });
    expect((result as { reason: string }).reason).toMatch(
      new RegExp(`^line ${line}: byte 0x[0-9A-F]{2} is not valid UTF-8\\. If the file is in another encoding, name it`),
    );
  });

  it('tells the line of a bad byte after multi-byte characters', () => {
    const result = sniff(join(utf8('email,name\na@b.co,Zoë\nb@c.co,Ana\n'), latin1('d@e.co,Jé\n')));
    expect(result).toMatchObject({ ok: false, line: 4, reason: expect.stringMatching(/^line 4: byte 0xE9 is not valid UTF-8/) });
  });

  it('follows a named encoding, but a byte order mark wins', () => {
    expect(sniff(latin1(CSV), 'windows-1252')).toEqual({ ok: true, encoding: 'windows-1252', how: 'named' });
    expect(sniff(utf8(CSV), 'windows-1252')).toEqual({ ok: true, encoding: 'windows-1252', how: 'named' });
    expect(sniff(utf16le(CSV), 'windows-1252')).toEqual({ ok: true, encoding: 'utf-16le', how: 'bom' });
    // Named UTF-8 is held to it: no falling back to Windows-1252.
    expect(sniff(latin1(CSV), 'utf-8')).toMatchObject({ ok: false, line: 2 });
  });

  it('refuses UTF-16 with a lone surrogate or an odd number of bytes, naming the line', () => {
    const lone = join(utf16le('email\na@b.co\n'), new Uint8Array([0x00, 0xdc]));
    expect(sniff(lone)).toMatchObject({ ok: false, line: 3, reason: expect.stringMatching(/^line 3: code unit 0xDC00 is not valid UTF-16LE/) });
    expect(sniff(join(utf16be('email\n'), new Uint8Array([0x00])))).toMatchObject({
      ok: false,
      line: 2,
      reason: expect.stringMatching(/ends inside a UTF-16BE character/),
    });
  });

  it('agrees with the platform decoder on valid UTF-8, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.integer({ min: 1, max: 16 }), (text, size) => {
        expect(sniff(utf8(text), undefined, size)).toMatchObject({ ok: true, encoding: 'utf-8' });
      }),
    );
  });

  it('never calls bytes UTF-8 that the platform decoder refuses', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 16 }), (bytes, size) => {
        // A UTF-16 byte order mark makes it another question.
        fc.pre(!((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)));
        const valid = (() => {
          try {
            new TextDecoder('utf-8', { fatal: true }).decode(bytes);
            return true;
          } catch {
            return false;
          }
        })();
        const result = sniff(bytes, 'utf-8', size);
        expect(result.ok).toBe(valid);
      }),
    );
  });
});

describe('encodingFromLabel', () => {
  it('reads the usual labels, case-insensitively', () => {
    expect(encodingFromLabel('UTF-8')).toBe('utf-8');
    expect(encodingFromLabel('latin1')).toBe('windows-1252');
    expect(encodingFromLabel('ISO-8859-1')).toBe('windows-1252');
    expect(encodingFromLabel('utf-16le')).toBe('utf-16le');
    expect(encodingFromLabel('ebcdic')).toBeUndefined();
  });
});
