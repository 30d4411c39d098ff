import { isSealed, PERSONAL_CUSTOMER_FIELDS, type Sealed } from '@enrich/domain';
import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CountingKeyProvider } from './counting.key-provider';
import { DataKeyCache } from './data-key-cache';
import { EncryptionCodec } from './encryption-codec';
import { SealError } from './errors';
import { FieldSealer } from './field-sealer';
import { LocalKeyProvider } from './local.key-provider';

interface Customer {
  customer_id: string;
  email: string;
  first_name?: string;
  last_name?: string | null;
  phone?: string;
  postal_code?: string;
  company?: string;
}

const customer: Customer = {
  customer_id: 'c-1',
  email: 'jane.doe@example.com',
  first_name: 'Jane',
  last_name: 'Doe',
  phone: '+44 20 7946 0958',
  postal_code: 'SW1A 1AA',
  company: 'Acme',
};

describe('FieldSealer', () => {
  let dir: string;
  let local: LocalKeyProvider;
  let provider: CountingKeyProvider;
  let sealer: FieldSealer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'codec-seal-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  beforeEach(() => {
    local = new LocalKeyProvider({ keyFile: join(dir, 'keys.json') });
    provider = new CountingKeyProvider(local);
    sealer = new FieldSealer({ keys: provider, namespace: 'default' });
  });

  it('seals into plain JSON and opens it again', async () => {
    const sealed = await sealer.seal(customer.email);
    expect(isSealed(sealed)).toBe(true);
    expect(Object.keys(sealed).sort()).toEqual(['$sealed', 'ct', 'iv', 'kid', 'wk']);
    const fromJson = JSON.parse(JSON.stringify(sealed)) as Sealed<string>;
    const opened: string = await new FieldSealer({ keys: local, namespace: 'default' }).open(fromJson);
    expect(opened).toBe(customer.email);
  });

  it('round-trips any JSON value (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const opened = await sealer.open(await sealer.seal(value));
        expect(opened).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 200 },
    );
  });

  it('never shows a personal value in the sealed JSON (property)', async () => {
    const word = fc.string({
      unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -+'.split('')),
      minLength: 6,
      maxLength: 40,
    });
    const person = fc.record({
      customer_id: fc.uuid(),
      email: fc.emailAddress(),
      first_name: word,
      last_name: word,
      phone: fc.stringMatching(/^\+\d{8,14}$/),
      postal_code: word,
    });
    await fc.assert(
      fc.asyncProperty(person, async (record) => {
        const sealed = await sealer.sealRecord(record, PERSONAL_CUSTOMER_FIELDS);
        const json = JSON.stringify(sealed);
        for (const field of PERSONAL_CUSTOMER_FIELDS) {
          expect(json).not.toContain(record[field]);
          expect(json).not.toContain(JSON.stringify(record[field]).slice(1, -1));
          expect(json).not.toContain(Buffer.from(record[field]).toString('base64').slice(0, 8));
        }
        expect(sealed.customer_id).toBe(record.customer_id);
        expect(await sealer.openRecord(sealed)).toEqual(record);
      }),
      { numRuns: 200 },
    );
  });

  it('seals only the fields named, leaves absent and null ones, and does not seal twice', async () => {
    const partial: Customer = { customer_id: 'c-2', email: 'a@b.example', last_name: null, company: 'Acme' };
    const sealed = await sealer.sealRecord(partial, PERSONAL_CUSTOMER_FIELDS);
    expect(isSealed(sealed.email)).toBe(true);
    expect(sealed.last_name).toBeNull();
    expect('first_name' in sealed).toBe(false);
    expect(sealed.company).toBe('Acme');
    const again = await sealer.sealRecord(sealed as unknown as Customer, PERSONAL_CUSTOMER_FIELDS);
    expect(again.email).toEqual(sealed.email);
    expect(await sealer.openRecord(sealed)).toEqual(partial);
    expect(await sealer.openRecord(sealed, ['customer_id'])).toEqual(sealed);
  });

  it('shares data keys with the payload codec cache (one generate per purpose)', async () => {
    const keys = new DataKeyCache(provider);
    const shared = new FieldSealer({ keys, namespace: 'default' });
    const codec = new EncryptionCodec({ keys, namespace: 'default' });
    for (let i = 0; i < 1_000; i++) await shared.sealRecord(customer, PERSONAL_CUSTOMER_FIELDS);
    await codec.encode([{ metadata: {}, data: new Uint8Array(1) }]);
    expect(provider.calls).toEqual({ generateDataKey: 2, unwrap: 0, rewrap: 0 });
  });

  it('refuses tampered, foreign and malformed sealed values clearly', async () => {
    const sealed = await sealer.seal(customer.email);
    const ct = Buffer.from(sealed.ct, 'base64');
    ct[0] ^= 1;
    await expect(sealer.open({ ...sealed, ct: ct.toString('base64') })).rejects.toThrow(
      /Cannot open sealed value \(key local-[0-9a-f]{8}\): ciphertext failed authentication/,
    );
    await expect(sealer.open({ ...sealed, iv: Buffer.alloc(12).toString('base64') })).rejects.toThrow(/failed authentication/);
    const elsewhere = new FieldSealer({ keys: local, namespace: 'other' });
    await expect(elsewhere.open(sealed)).rejects.toThrow(/was not unwrapped.*namespace: "other"/);
    await expect(sealer.open({ ...sealed, $sealed: 2 } as unknown as Sealed<string>)).rejects.toThrow(/format version 2/);
    await expect(sealer.open({ email: 'x' } as unknown as Sealed<string>)).rejects.toBeInstanceOf(SealError);
    const errors = await Promise.all([sealer.open({ ...sealed, kid: 'local-00000000' }).catch((e: Error) => e.message)]);
    expect(errors[0]).toMatch(/local-00000000 is not in/);
    expect(errors.join()).not.toContain(customer.email);
  });

  it('refuses values without a JSON form', async () => {
    await expect(sealer.seal(undefined)).rejects.toThrow(/Cannot seal undefined/);
    await expect(sealer.seal(() => 1)).rejects.toThrow(/Cannot seal function/);
    await expect(sealer.seal(10n)).rejects.toThrow(/JSON.stringify rejects/);
  });

  it('rewraps a sealed value under a rotated key without changing its ciphertext', async () => {
    const sealed = await sealer.seal(customer.phone);
    const newKey = await local.rotate();
    const rewrapped = await sealer.rewrapSealed(sealed, newKey);
    expect(rewrapped.kid).toBe(newKey);
    expect(rewrapped.kid).not.toBe(sealed.kid);
    expect(rewrapped.ct).toBe(sealed.ct);
    expect(rewrapped.iv).toBe(sealed.iv);
    expect(await new FieldSealer({ keys: local, namespace: 'default' }).open(rewrapped)).toBe(customer.phone);
    await expect(sealer.rewrapSealed(sealed, 'local-00000000')).rejects.toThrow(/Cannot rewrap sealed value under local-00000000/);
  });
});
