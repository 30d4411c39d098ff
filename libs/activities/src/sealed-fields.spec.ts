import { CountingKeyProvider, FieldSealer, LocalKeyProvider } from '@enrich/codec';
import { type EnrichedField, isSealed, type StoredEnrichedField } from '@enrich/domain';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEnrichedFields, sealPersonalFields, sealPersonalFieldsOfRows } from './sealed-fields';

const field = (name: string, value: EnrichedField['value']): EnrichedField => ({
  field: name,
  value,
  provider: 'p',
  confidence: 0.9,
  fetchedAt: '2026-01-01T00:00:00.000Z',
});

describe('sealed enriched fields', () => {
  let dir: string;
  let keys: CountingKeyProvider;
  let sealer: FieldSealer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sealed-fields-'));
    keys = new CountingKeyProvider(new LocalKeyProvider({ keyFile: join(dir, 'keys.json') }));
    sealer = new FieldSealer({ keys, namespace: 'default' });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('seals personal values only, never twice, and opens them back', async () => {
    const plain = [
      field('work_email', 'ada@acme.com'),
      field('phone', '+14155550142'),
      field('line_type', 'mobile'),
      field('age_band', '25-34'),
      field('phone', null),
    ];
    const sealed = await sealPersonalFields(sealer, plain);
    expect(sealed.map((f) => isSealed(f.value))).toEqual([true, true, false, false, false]);
    expect(sealed.map(({ value: _value, ...rest }) => rest)).toEqual(plain.map(({ value: _value, ...rest }) => rest));
    expect(JSON.stringify(sealed)).not.toMatch(/ada@acme\.com|4155550142/);

    const again = await sealPersonalFields(sealer, sealed);
    expect(again).toEqual(sealed);
    expect(await openEnrichedFields(sealer, again)).toEqual(plain);
  });

  it('reads values stored in plaintext before sealing as they are', async () => {
    const legacy: StoredEnrichedField[] = [field('work_email', 'old@acme.com'), field('region', 'US-West')];
    expect(await openEnrichedFields(sealer, legacy)).toEqual(legacy);
  });

  it('seals a chunk of rows together, keeping each row its own fields, with one data key', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => ({
      rowNumber: i + 1,
      status: 'ENRICHED' as const,
      fields: [field('email_status', 'valid'), field('work_email', `p${i}@acme.com`), field('phone', `+1415555${String(i).padStart(4, '0')}`)],
    }));
    keys.reset();
    const sealed = await sealPersonalFieldsOfRows(sealer, rows);
    expect(keys.calls.generateDataKey).toBeLessThanOrEqual(1);
    expect(sealed.map((r) => r.rowNumber)).toEqual(rows.map((r) => r.rowNumber));
    for (const [i, row] of sealed.entries()) {
      expect(row.fields.map((f) => [f.field, isSealed(f.value)])).toEqual([
        ['email_status', false],
        ['work_email', true],
        ['phone', true],
      ]);
      expect(await openEnrichedFields(sealer, row.fields)).toEqual(rows[i].fields);
    }
    const nothingPersonal = [{ rowNumber: 1, fields: [field('region', 'US-West')] }];
    expect(await sealPersonalFieldsOfRows(sealer, nothingPersonal)).toEqual(nothingPersonal);
  });
});
