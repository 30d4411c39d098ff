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

  it('rejects an unterminated quote, naming the line', async () => {
    await expect(readAll('email,first_name\nada@example.com,"Ada\nbob@example.com,Bob\n')).rejects.toThrow(/^line \d+: Quote Not Closed/);
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
