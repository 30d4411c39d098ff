import type { CustomerRecord } from '@enrich/domain';

const FREEMAIL = new Set(['gmail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'icloud.com', 'aol.com', 'proton.me', 'gmx.de', 'web.de']);

/** The company's web domain: the file's domain column, else a work email's domain (never a free mailbox's). */
export function companyDomain(record: CustomerRecord): string | undefined {
  if (record.domain) return record.domain;
  const domain = record.email?.split('@')[1];
  return domain && !FREEMAIL.has(domain) ? domain : undefined;
}

/** The platform's age band of someone born in `birthYear`, as of `now`. */
export function ageBand(birthYear: number, now: Date): string | undefined {
  const age = now.getUTCFullYear() - birthYear;
  if (age < 18 || age > 120) return undefined;
  if (age >= 65) return '65+';
  const bands = ['18-24', '25-34', '35-44', '45-54', '55-64'];
  return bands[age < 25 ? 0 : Math.floor((age - 25) / 10) + 1];
}

const EMPLOYEE_BANDS: ReadonlyArray<[number, string]> = [
  [10, '1-10'],
  [50, '11-50'],
  [200, '51-200'],
  [500, '201-500'],
  [1_000, '501-1000'],
  [5_000, '1001-5000'],
  [10_000, '5001-10000'],
];

/** The platform's employee band of a head count. */
export function employeeBand(employees: number): string {
  return EMPLOYEE_BANDS.find(([max]) => employees <= max)?.[1] ?? '10001+';
}

/** One header of a reply, as a string (the first of repeated ones). */
export function header(reply: { headers: Readonly<Record<string, string | string[] | undefined>> }, name: string): string | undefined {
  const value = reply.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
