import { parse } from 'csv-parse/sync';
import { buffer, text } from 'node:stream/consumers';
import { csvExport, type CsvExportRow, exportColumns, neutralise } from './results-csv';

async function* once<T>(page: T[]) {
  yield page;
}

const row = (over: Partial<CsvExportRow>): CsvExportRow => ({ rowNumber: 1, status: 'ENRICHED', lastError: null, input: {}, cells: [], fields: [], ...over });

describe('the CSV export', () => {
  it('keeps every input column as written, then ours under a prefix no input header starts with', () => {
    expect(exportColumns(['E-Mail', 'phone', 'notes', 'phone'], ['contact']).columns).toEqual([
      'E-Mail',
      'phone',
      'notes',
      'phone',
      'enriched.row_number',
      'enriched.status',
      'enriched.error',
      ...['work_email', 'email_status', 'phone', 'line_type'].flatMap((f) => [`enriched.${f}`, `enriched.${f}.provider`, `enriched.${f}.confidence`]),
    ]);
    expect(exportColumns(['email', 'Enriched.Phone'], []).columns.slice(2)).toEqual(['_enriched.row_number', '_enriched.status', '_enriched.error']);
  });

  it('never replaces an input value: the input phone stays, the enriched one has its own column', async () => {
    const rows = [
      row({
        cells: ['a@example.com', '+44 20 7946 0001', 'keep me, "quoted"', 'second phone column'],
        fields: [{ field: 'phone', value: '+447700900395', provider: 'mock-phone-finder', confidence: 0.9 }],
      }),
    ];
    const csv = await text(csvExport({ header: ['email', 'phone', 'notes', 'phone'], groups: ['contact'], neutraliseFormulas: false }, once(rows)));
    const [header, record] = parse(csv) as string[][];
    const cell = (name: string) => record[header.indexOf(name)];
    expect(record.slice(0, 4)).toEqual(['a@example.com', '+44 20 7946 0001', 'keep me, "quoted"', 'second phone column']);
    expect(cell('enriched.phone')).toBe('+447700900395');
    expect(cell('enriched.phone.provider')).toBe('mock-phone-finder');
    expect(cell('enriched.work_email')).toBe('');
  });

  it('neutralises cells a spreadsheet would run, unless told not to, and can start with a BOM', async () => {
    const rows = [row({ cells: ['=HYPERLINK("http://x")', '+1 555', '-2', '@SUM(A1)', '\tx', 'plain'] })];
    const header = ['a', 'b', 'c', 'd', 'e', 'f'];
    const [, guarded] = parse(await text(csvExport({ header, groups: [] }, once(rows)))) as string[][];
    expect(guarded.slice(0, 6)).toEqual(['\'=HYPERLINK("http://x")', "'+1 555", "'-2", "'@SUM(A1)", "'\tx", 'plain']);
    const [, raw] = parse(await text(csvExport({ header, groups: [], neutraliseFormulas: false }, once(rows)))) as string[][];
    expect(raw.slice(0, 6)).toEqual(rows[0].cells);
    const withBom = await buffer(csvExport({ header, groups: [], bom: true }, once(rows)));
    expect([...withBom.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect((await buffer(csvExport({ header, groups: [] }, once(rows))))[0]).toBe(0x61);
    expect(neutralise('=1+1')).toBe("'=1+1");
  });

  it('exports rows staged before cells were kept from their canonical columns', async () => {
    const csv = await text(csvExport({ header: [], groups: [] }, once([row({ cells: null, input: { email: 'old@example.com', first_name: 'Old' } })])));
    const [header, record] = parse(csv) as string[][];
    expect(record[header.indexOf('email')]).toBe('old@example.com');
    expect(record[header.indexOf('first_name')]).toBe('Old');
  });
});
