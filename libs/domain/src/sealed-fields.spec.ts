import type { EnrichedField } from './enrichment';
import { isSealed, type OpenedRecord, type Sealed, type SealedRecord, type StoredEnrichedField } from './sealed';
import { openEnrichedFields, type RecordOpener, type RecordSealer, sealPersonalFields, sealPersonalFieldsOfRows } from './sealed-fields';

/**
 * Stands in for `FieldSealer` (`@enrich/codec` depends on this package, so it cannot be used here):
 * a "sealed" value has the sealed shape with the value's JSON in `ct`. It counts the seals in flight,
 * to show that a chunk's values are sealed together (what lets the real one use a single data key).
 */
class FakeSealer implements RecordSealer, RecordOpener {
  inFlight = 0;
  maxInFlight = 0;

  async sealRecord<T extends object, K extends keyof T & string>(record: T, fields: readonly K[]): Promise<SealedRecord<T, K>> {
    const sealed = { ...record } as Record<string, unknown>;
    for (const field of fields) {
      const value: unknown = record[field];
      if (value !== undefined && value !== null && !isSealed(value)) sealed[field] = await this.seal(value);
    }
    return sealed as SealedRecord<T, K>;
  }

  async openRecord<R extends object>(record: R, fields?: readonly (keyof R & string)[]): Promise<OpenedRecord<R>> {
    const opened = { ...record } as Record<string, unknown>;
    for (const field of fields ?? (Object.keys(record) as (keyof R & string)[])) {
      const value: unknown = record[field];
      if (isSealed(value)) opened[field] = JSON.parse(Buffer.from(value.ct, 'base64').toString('utf8'));
    }
    return opened as OpenedRecord<R>;
  }

  private async seal(value: unknown): Promise<Sealed<unknown>> {
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    this.inFlight--;
    const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
    return { $sealed: 1, kid: 'test-key', wk: b64('wrapped'), iv: b64('iv'), ct: b64(JSON.stringify(value)) };
  }
}

const field = (name: string, value: EnrichedField['value']): EnrichedField => ({
  field: name,
  value,
  provider: 'p',
  confidence: 0.9,
  fetchedAt: '2026-01-01T00:00:00.000Z',
});

describe('sealed enriched fields', () => {
  it('seals personal values only, never twice, and opens them back', async () => {
    const sealer = new FakeSealer();
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

    const again = await sealPersonalFields(sealer, sealed);
    expect(again).toEqual(sealed);
    expect(await openEnrichedFields(sealer, again)).toEqual(plain);
  });

  it('reads values stored in plaintext before sealing as they are', async () => {
    const legacy: StoredEnrichedField[] = [field('work_email', 'old@acme.com'), field('region', 'US-West')];
    expect(await openEnrichedFields(new FakeSealer(), legacy)).toEqual(legacy);
  });

  it('seals a chunk of rows together, keeping each row its own fields', async () => {
    const sealer = new FakeSealer();
    const rows = Array.from({ length: 200 }, (_, i) => ({
      rowNumber: i + 1,
      status: 'ENRICHED' as const,
      fields: [field('email_status', 'valid'), field('work_email', `p${i}@acme.com`), field('phone', `+1415555${String(i).padStart(4, '0')}`)],
    }));
    const sealed = await sealPersonalFieldsOfRows(sealer, rows);
    expect(sealer.maxInFlight).toBe(400);
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
