import { lookupKey } from './lookup-key';

describe('lookupKey', () => {
  it('gives equal contacts equal keys however they were spelled', () => {
    const key = lookupKey('demographics', { email: 'jose@example.es', first_name: 'José', last_name: undefined });
    expect(lookupKey('demographics', { first_name: ' JOSE\u0301 ', email: 'Jose@Example.ES', last_name: '' })).toBe(key);
    expect(lookupKey('demographics', { email: 'jose@example.es', first_name: 'Jos\u00e9' })).toBe(key);
  });

  it('tells different contacts and providers apart, and reveals nothing of the contact', () => {
    const key = lookupKey('demographics', { email: 'jose@example.es', first_name: 'José' });
    expect(lookupKey('demographics', { email: 'jose@example.es', first_name: 'Jose' })).not.toBe(key);
    expect(lookupKey('people-data', { email: 'jose@example.es', first_name: 'José' })).not.toBe(key);
    expect(lookupKey('demographics', { email: 'jose@example.es', last_name: 'José' })).not.toBe(key);
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(key).not.toContain('jose');
  });
});
