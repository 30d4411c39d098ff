import { customersCsv } from './customers-csv';

describe('customersCsv', () => {
  it('is deterministic per seed and quotes values that need it', () => {
    const a = customersCsv({ rows: 50, seed: 9 });
    expect(customersCsv({ rows: 50, seed: 9 })).toBe(a);
    expect(customersCsv({ rows: 50, seed: 10 })).not.toBe(a);
    const lines = a.trimEnd().split('\n');
    expect(lines).toHaveLength(51);
    expect(lines[0]).toBe('customer_id,email,first_name,last_name,postal_code,company');
    expect(a).toMatch(/"Analytical Engines, Ltd"|"Compiler ""Works"""/);
  });

  it('uses the requested line ending', () => {
    expect(customersCsv({ rows: 2, eol: '\r\n' }).match(/\r\n/g)).toHaveLength(3);
  });
});
