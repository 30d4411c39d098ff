import { z } from 'zod';
import { companyFacts, companySlug, pageSummary, pageUrl, PAGE_KINDS, slugFromDomain, type PageKind } from './company-web';
import { normalizeDomain } from './firmographics.provider';
import { defineOperation } from './provider';

/**
 * Query words that point at a page, strongest first per word. A query naming a field ranks the page
 * that carries it first, so a loop that searches for a missing field finds the right page.
 */
const TARGETS: ReadonlyArray<{ words: readonly string[]; pages: readonly PageKind[] }> = [
  { words: ['founded', 'founding', 'established', 'history', 'founders', 'news', 'press'], pages: ['news'] },
  { words: ['headcount', 'employees', 'employee', 'staff', 'team', 'people', 'size'], pages: ['team', 'linkedin', 'careers'] },
  { words: ['careers', 'jobs', 'hiring', 'job'], pages: ['careers'] },
  { words: ['industry', 'sector', 'description', 'about', 'overview', 'mission'], pages: ['about'] },
  { words: ['linkedin', 'profile', 'social'], pages: ['linkedin'] },
  { words: ['contact', 'address', 'email', 'phone'], pages: ['contact'] },
  { words: ['blog', 'articles'], pages: ['blog'] },
];

const TARGET_WORDS = new Set(TARGETS.flatMap((target) => target.words));
const FILLER_WORDS = new Set(['the', 'of', 'a', 'an', 'and', 'for', 'in', 'at', 'year', 'what', 'is', 'was', 'when', 'how', 'many', 'company', 'url', 'count']);

/** Lower-case words of a query, punctuation dropped. */
export function queryWords(query: string): string[] {
  return query
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
}

/** The company a search is about: by domain, else by name, else the query's words that are not field words. */
export function searchSlug(request: { query: string; company?: string | null; domain?: string | null }): string | undefined {
  const domain = request.domain ? normalizeDomain(request.domain) : undefined;
  if (domain !== undefined) return slugFromDomain(domain);
  if (request.company) return companySlug(request.company);
  const rest = queryWords(request.query).filter((word) => !TARGET_WORDS.has(word) && !FILLER_WORDS.has(word));
  return companySlug(rest.join(' '));
}

/** `POST /v1/providers/search/query` body. */
export const searchRequestSchema = z
  .object({
    query: z.string().trim().min(1).max(500).meta({
      description: 'Free text. Words such as founded, employees, industry, linkedin, about rank the page carrying that field first.',
      example: 'Acme founded year',
    }),
    company: z.string().trim().max(200).nullish().meta({ description: 'The company searched for; taken from the query when absent.', example: 'Acme' }),
    domain: z
      .string()
      .refine((value) => normalizeDomain(value) !== undefined, 'must be a domain such as acme.com')
      .nullish()
      .meta({ description: 'Company domain; identifies the company before company and query do.', example: 'acme.com' }),
  })
  .superRefine((request, context) => {
    // A bad domain already has its own issue.
    if (request.domain && normalizeDomain(request.domain) === undefined) return;
    if (searchSlug(request) === undefined) {
      context.addIssue({
        code: 'custom',
        path: [request.domain ? 'domain' : request.company ? 'company' : 'query'],
        message: 'must name a company (letters or digits), or give company or domain',
      });
    }
  });

export type SearchRequest = z.output<typeof searchRequestSchema>;

export const searchResultSchema = z
  .object({
    url: z.url().meta({ example: 'https://acme.example/news' }),
    title: z.string(),
    snippet: z.string(),
    rank: z.number().int().min(1).meta({ description: '1 for the best match.' }),
  })
  .meta({ id: 'SearchResult' });

export const searchBodySchema = z.object({
  results: z.array(searchResultSchema).min(5).max(8).meta({ description: '5 to 8 pages of the company, best first.' }),
});

/** Web search over the simulated company web (`https://<slug>.example/…`, `https://linkedin.example/company/<slug>`). */
export const searchProvider = defineOperation({
  name: 'search',
  label: 'mock-search',
  operation: 'query',
  schemaName: 'Search',
  summary: 'Web search: 5 to 8 pages of the company, ranked by what the query asks for.',
  requestSchema: searchRequestSchema,
  bodySchema: searchBodySchema,
  recordKey: (request) => `${searchSlug(request) ?? ''}\0${queryWords(request.query).join(' ')}`,
  answer(request, hash) {
    const slug = searchSlug(request) ?? '';
    const facts = companyFacts(hash, slug);
    const words = new Set(queryWords(request.query));
    const score = (kind: PageKind): number => {
      let best = kind === 'home' ? 3 : 0;
      for (const target of TARGETS) {
        const position = target.pages.indexOf(kind);
        if (position !== -1 && target.words.some((word) => words.has(word))) best = Math.max(best, 10 - 2 * position);
      }
      // Ties (and every page the query does not name) in an order of their own for each query.
      return best + hash.fraction(`rank:${kind}`);
    };
    const ranked = [...PAGE_KINDS].sort((a, b) => score(b) - score(a)).slice(0, hash.integer('count', 5, 8));
    return {
      results: ranked.map((kind, index) => ({ url: pageUrl(slug, kind), ...pageSummary(facts, kind), rank: index + 1 })),
    };
  },
});
