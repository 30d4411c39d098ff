/** Deterministic sample data: the same seed always gives the same file. */
export interface CustomersCsvOptions {
  rows: number;
  seed?: number;
  /** Line ending; CRLF exercises the parser like a spreadsheet export would. */
  eol?: '\n' | '\r\n';
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Tim'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Perlman', 'Berners-Lee'];
const COMPANIES = ['Analytical Engines, Ltd', 'Compiler "Works"', 'Bletchley Park', 'Structured Co', 'Abstract Data Inc'];

/** Returns a customer CSV (header + `rows` rows) with quoting, embedded commas and quotes. */
export function customersCsv({ rows, seed = 1, eol = '\n' }: CustomersCsvOptions): string {
  const lines = ['customer_id,email,first_name,last_name,postal_code,company'];
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T;
  for (let i = 1; i <= rows; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const postal = String(10_000 + Math.floor(next() * 89_999));
    lines.push([`C${String(i).padStart(7, '0')}`, `${first}.${last}.${i}@example.com`.toLowerCase(), first, last, postal, quote(pick(COMPANIES))].join(','));
  }
  return lines.join(eol) + eol;
}

function quote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
