import { z } from 'zod';
import { companyFacts, normalizeUrl, parsePageUrl, renderPage } from './company-web';
import { defineOperation } from './provider';

/** `POST /v1/providers/crawl/fetch` body. */
export const crawlRequestSchema = z.object({
  url: z
    .string()
    .refine((value) => normalizeUrl(value) !== undefined, 'must be an http(s) URL')
    .meta({ description: 'A page of the simulated web, usually from a search result.', example: 'https://acme.example/about' }),
});

export type CrawlRequest = z.output<typeof crawlRequestSchema>;

export const crawlBodySchema = z.object({
  url: z.url().meta({ description: 'The URL fetched, normalized (https, no www., query or trailing slash).' }),
  status: z.literal(200),
  content_type: z.literal('text/html'),
  html: z.string(),
});

/**
 * Fetches pages of the simulated company web. Each page carries only some facts of its company:
 * about (description, industry), team and careers (headcount), news (founded year), the
 * linkedin.example profile (LinkedIn URL, headcount); home, contact and blog are noise.
 */
export const crawlProvider = defineOperation({
  name: 'crawl',
  label: 'mock-crawl',
  operation: 'fetch',
  schemaName: 'Crawl',
  summary: 'Fetches a page of the simulated company web as HTML.',
  notFoundDescription: 'not_found: no such page (any host other than <company>.example and linkedin.example, or an unknown path).',
  requestSchema: crawlRequestSchema,
  bodySchema: crawlBodySchema,
  recordKey: (request) => normalizeUrl(request.url) ?? '',
  answer(request, hash) {
    const page = parsePageUrl(request.url);
    if (page === undefined) return undefined;
    return {
      url: normalizeUrl(request.url) ?? request.url,
      status: 200 as const,
      content_type: 'text/html' as const,
      html: renderPage(companyFacts(hash, page.slug), page.kind),
    };
  },
});
