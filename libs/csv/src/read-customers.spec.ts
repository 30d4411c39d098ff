import { Readable } from 'node:stream';
import type { ColumnMapping, TextEncoding } from '@enrich/domain';
import { type CsvRow, CsvFormatError, readCustomerRows } from './read-customers';

async function readAll(text: string, afterRow?: number, mapping?: ColumnMapping): Promise<CsvRow[]> {
  const rows: CsvRow[] = [];
  for await (const row of readCustomerRows(Readable.from([Buffer.from(text)]), { afterRow, mapping })) rows.push(row);
  return rows;
}

async function readBytes(bytes: Buffer, encoding: TextEncoding, chunk = 5): Promise<CsvRow[]> {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunk) chunks.push(bytes.subarray(at, at + chunk));
  const rows: CsvRow[] = [];
  for await (const row of readCustomerRows(Readable.from(chunks), { encoding })) rows.push(row);
  return rows;
}

describe('readCustomerRows', () => {
  describe('reads every supported encoding into the same records', () => {
    const text = 'email,first_name,last_name\r\njose@example.com,José,Müller\r\nzoe@example.com,"Zoë\r\nØrsted",Straße\r\n';
    it.each<[string, Buffer, TextEncoding]>([
      ['UTF-8 with BOM', Buffer.from(`\ufeff${text}`), 'utf-8'],
      ['UTF-16 LE with BOM', Buffer.from(`\ufeff${text}`, 'utf16le'), 'utf-16le'],
      ['UTF-16 BE with BOM', Buffer.from(`\ufeff${text}`, 'utf16le').swap16(), 'utf-16be'],
      ['Windows-1252', Buffer.from(text, 'latin1'), 'windows-1252'],
    ])('%s', async (_name, bytes, encoding) => {
      const rows = await readBytes(bytes, encoding);
      expect(rows.map((r) => [r.rowNumber, r.lineNumber, r.ok && r.record.first_name, r.ok && r.record.last_name])).toEqual([
        [1, 2, 'José', 'Müller'],
        [2, 3, 'Zoë\r\nØrsted', 'Straße'],
      ]);
    });

    it('gives out the rows before a bad byte, the one left open by a quote included, then fails', async () => {
      const bytes = Buffer.concat([
        Buffer.from('email,name\nok@example.com,Ok\nragged@example.com\nstray@example.com,"Stray\nlast@example.com,Last\nbad@example.com,'),
        Buffer.from([0xff, 0x0a]),
      ]);
      for (const chunk of [3, 4096]) {
        const seen: string[] = [];
        const chunks: Buffer[] = [];
        for (let at = 0; at < bytes.length; at += chunk) chunks.push(bytes.subarray(at, at + chunk));
        await expect(
          (async () => {
            for await (const row of readCustomerRows(Readable.from(chunks))) seen.push(row.ok ? `${row.lineNumber} ok` : row.reason);
          })(),
        ).rejects.toThrow('line 6: the file is not valid UTF-8 on this line');
        expect(seen).toEqual(['2 ok', 'line 3: expected 2 columns, found 1', 'line 4: a quoted field opened on this line is never closed', '5 ok']);
      }
    });

    it('fails naming the exact line of a byte that is not UTF-8, whatever the chunks', async () => {
      const bytes = Buffer.concat([Buffer.from('email,name\na@b.co,Zoë\nc@d.co,Ann\ne@f.co,'), Buffer.from([0xe9]), Buffer.from('\ng@h.co,G\n')]);
      for (const chunk of [1, 5, 4096]) await expect(readBytes(bytes, 'utf-8', chunk)).rejects.toThrow(/^line 4: the file is not valid UTF-8 on this line$/);
    });

    it('fails naming a line when bytes are not valid in the encoding, never as U+FFFD', async () => {
      const broken = Buffer.concat([Buffer.from('\ufeffemail\na@b.co\n', 'utf16le'), Buffer.from([0x00, 0xdc])]);
      await expect(readBytes(broken, 'utf-16le', 4096)).rejects.toThrow(/^line \d+: the file is not valid utf-16le$/);
    });
  });

  it('reads quoted fields with commas, quotes and newlines, a BOM and CRLF, with their lines', async () => {
    const rows = await readAll(
      '\uFEFFE-mail,First Name,Company\r\n' +
        'ada@example.com,Ada,"Analytical, Engines ""Ltd"""\r\n' +
        '\r\n' +
        'grace@example.com,"Grace\r\nBrewster",Navy\r\n' +
        'alan@example.com,Alan,Bletchley\r\n',
    );
    expect(rows.map((r) => [r.rowNumber, r.lineNumber, r.ok])).toEqual([
      [1, 2, true],
      [2, 4, true],
      [3, 6, true],
    ]);
    expect(rows[0]).toMatchObject({ record: { email: 'ada@example.com', first_name: 'Ada', company: 'Analytical, Engines "Ltd"' } });
    expect(rows[1]).toMatchObject({ record: { first_name: 'Grace\r\nBrewster' } });
  });

  it('yields invalid rows with a reason naming line and column instead of stopping', async () => {
    const rows = await readAll('email,first_name\nnot-an-email,Bob\n,Nobody\nok@example.com\nfine@example.com,Fine\n');
    expect(rows.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      'line 2: email: is not a valid email address',
      'line 3: email: is required',
      'line 4: expected 2 columns, found 1',
      'ok',
    ]);
  });

  it('rejects a header without the required column, naming line 1', async () => {
    await expect(readAll('name,zip\nAda,123\n')).rejects.toThrow(
      new CsvFormatError('line 1: the header is missing required column(s) email (found: name, zip)', 1),
    );
  });

  describe('broken records are quarantined with their line, and reading goes on', () => {
    /** Reads `text` in chunks of `chunk` characters with a small record limit: [row, line, outcome]. */
    async function outcomes(text: string, chunk = 7, maxRecordChars = 60) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < text.length; at += chunk) chunks.push(Buffer.from(text.slice(at, at + chunk)));
      const rows: Array<[number, number, string]> = [];
      for await (const row of readCustomerRows(Readable.from(chunks), { maxRecordChars })) {
        rows.push([row.rowNumber, row.lineNumber, row.ok ? String(row.record.email) : row.reason]);
      }
      return rows;
    }
    const ok = (n: number) => `u${n}@example.com,U${n}\n`;
    const big = `big@example.com,${'x'.repeat(100)}\n`;

    it.each([
      ['at the start', big + ok(2) + ok(3), 2],
      ['in the middle', ok(2) + big + ok(4), 3],
      ['at the end (no final line break)', ok(2) + ok(3) + big.trimEnd(), 4],
    ])('a record over the size limit %s', async (_where, body, line) => {
      for (const chunk of [1, 7, 1000]) {
        const rows = await outcomes(`email,name\n${body}`, chunk);
        expect(rows).toHaveLength(3);
        expect(rows.find(([, l]) => l === line)?.[2]).toBe(`line ${line}: the record is longer than 60 characters`);
        expect(rows.filter(([, , outcome]) => outcome.startsWith('u')).length).toBe(2);
      }
    });

    it.each([
      ['at the start', 'u2@example.com,"Stray\n' + ok(3) + ok(4), 2],
      ['in the middle', ok(2) + 'u3@example.com,"Stray\n' + ok(4), 3],
      ['at the end', ok(2) + ok(3) + 'u4@example.com,"Stray\n', 4],
    ])('an unterminated quote %s: its line is named, the lines after it are read', async (_where, body, line) => {
      for (const chunk of [1, 7, 1000]) {
        const rows = await outcomes(`email,name\n${body}`, chunk, 1_000_000);
        expect(rows).toEqual(
          [2, 3, 4].map((l, i) => [i + 1, l, l === line ? `line ${l}: a quoted field opened on this line is never closed` : `u${l}@example.com`]),
        );
      }
    });

    it('an unterminated quote that would swallow more than the limit', async () => {
      const rows = await outcomes(`email,name\nbad@example.com,"Open\n${Array.from({ length: 20 }, (_, i) => ok(i + 3)).join('')}`);
      expect(rows[0]).toEqual([1, 2, 'line 2: a quoted field opened on this line is not closed within 60 characters']);
      expect(rows.slice(1).map(([, , outcome]) => outcome)).toEqual(Array.from({ length: 20 }, (_, i) => `u${i + 3}@example.com`));
    });

    it('ragged rows, a quote inside a field and text after a closing quote, each on its own line, around good rows', async () => {
      const rows = await outcomes(
        'email,name\n' + ok(2) + 'r@example.com\n' + 'q@example.com,Bo"b\n' + ok(5) + 'c@example.com,"Cl"ose\n' + 'w@example.com,a,b\n' + ok(8),
      );
      expect(rows).toEqual([
        [1, 2, 'u2@example.com'],
        [2, 3, 'line 3: expected 2 columns, found 1'],
        [3, 4, 'line 4: a quote inside a field that does not start with one (double it, or quote the whole field)'],
        [4, 5, 'u5@example.com'],
        [5, 6, 'line 6: a quoted field is followed by other characters before the next comma'],
        [6, 7, 'line 7: expected 2 columns, found 3'],
        [7, 8, 'u8@example.com'],
      ]);
    });

    it('reads CR-only and mixed line ends, counting lines the same way', async () => {
      const rows = await outcomes('email,name\ra@example.com,A\r\nb@example.com,"B\rb"\nc@example.com,C\r\rd@example.com,D');
      expect(rows).toEqual([
        [1, 2, 'a@example.com'],
        [2, 3, 'b@example.com'],
        [3, 5, 'c@example.com'],
        [4, 7, 'd@example.com'],
      ]);
    });

    it('reads 300 columns', async () => {
      const header = ['email', ...Array.from({ length: 299 }, (_, i) => `extra_${i}`)].join(',');
      const row = ['wide@example.com', ...Array.from({ length: 299 }, (_, i) => `v${i}`)].join(',');
      expect(await outcomes(`${header}\n${row}\n`, 64, 1_000_000)).toEqual([[1, 2, 'wide@example.com']]);
    });
  });

  it('rejects an empty file and accepts a header-only file with no rows', async () => {
    await expect(readAll('')).rejects.toThrow(/the file is empty/);
    await expect(readAll('\uFEFF\r\n')).rejects.toThrow(/the file is empty/);
    expect(await readAll('email,first_name\r\n')).toEqual([]);
  });

  it('skips rows up to afterRow when resuming', async () => {
    const rows = await readAll('email\na@x.io\nb@x.io\nc@x.io\n', 2);
    expect(rows.map((r) => r.rowNumber)).toEqual([3]);
  });

  it('follows a column mapping and names mapped headers the file lacks', async () => {
    const rows = await readAll('Contact,Mail\nada@example.com,ignored\n', undefined, { email: 'contact' });
    expect(rows).toMatchObject([{ ok: true, record: { email: 'ada@example.com' } }]);
    await expect(readAll('a,b\n1,2\n', undefined, { email: 'E-Mail Addr' })).rejects.toThrow(
      'line 1: the column mapping names header(s) the file does not have: email → "E-Mail Addr" (found: a, b)',
    );
  });
});
