/** What a row is researched by on the open web. Company facts, not personal data. */
export interface ResearchSubject {
  company: string;
  domain?: string;
}

/** Words that make a search rank the page carrying a field first. */
const FIELD_QUERY_WORDS: Readonly<Record<string, string>> = {
  company_description: 'about company description',
  headcount: 'employees headcount',
  linkedin_url: 'linkedin',
  founded_year: 'founded year',
  industry: 'industry sector',
};

/**
 * The searches of one research round: a broad one first, then one aimed at each field still
 * missing, so every round of the feedback loop asks for exactly what the last one lacked.
 */
export function researchQueries(subject: ResearchSubject, missing: readonly string[], round: number): string[] {
  if (round === 0) return [subject.company];
  return missing.map((field) => `${subject.company} ${FIELD_QUERY_WORDS[field] ?? field.replace(/_/g, ' ')}`);
}

/** The pages worth crawling from one search: the best-ranked ones not crawled yet. */
export function pagesToCrawl(results: ReadonlyArray<{ url: string; rank: number }>, crawled: ReadonlySet<string>, limit: number): string[] {
  return [...results]
    .sort((a, b) => a.rank - b.rank)
    .map((r) => r.url)
    .filter((url, i, all) => !crawled.has(url) && all.indexOf(url) === i)
    .slice(0, limit);
}
