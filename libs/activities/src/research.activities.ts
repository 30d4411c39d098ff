import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import type { FieldSealer } from '@enrich/codec';
import type { JobRepository } from '@enrich/db';
import { type EnrichedField, FAILURE_TYPES, normalizeConfidence, type ResearchSubject, sealPersonalFields } from '@enrich/domain';
import { postLookup, type HttpProviderOptions } from '@enrich/providers';
import { isRetryable } from '@enrich/providers';

export interface ResearchDeps {
  jobs: JobRepository;
  /** Opens the row's input for its research subject; seals personal values before they are stored. */
  sealer: Pick<FieldSealer, 'openRecord' | 'sealRecord'>;
  /** The web providers (search, crawl, extract) share one base URL and options. */
  http: HttpProviderOptions;
}

export interface SearchResult {
  url: string;
  title: string;
  rank: number;
}

/** A value found on a page, with the page it came from. */
export interface PageFinding extends EnrichedField {
  url: string;
}

/** Provider failures become retryable activity failures; a 404 page is simply skipped. */
async function call<T>(provider: string, path: string, body: unknown, http: HttpProviderOptions): Promise<T | undefined> {
  try {
    const answer = await postLookup<T>(provider, path, body, http);
    return answer.found ? answer.body : undefined;
  } catch (error) {
    if (isRetryable(error)) throw error;
    throw ApplicationFailure.nonRetryable((error as Error).message, FAILURE_TYPES.PROVIDER_REJECTED);
  }
}

export function createResearchActivities({ jobs, sealer, http }: ResearchDeps) {
  return {
    /** What the row is researched by: its company and domain (from the file), if it has them. */
    async researchSubject({ jobId, rowNumber }: { jobId: string; rowNumber: number }): Promise<ResearchSubject | null> {
      const row = await jobs.row(jobId, rowNumber);
      if (!row) return null;
      const input = (await sealer.openRecord(row.input)) as { company?: string; domain?: string; email?: string };
      const domain = input.domain ?? undefined;
      const company = input.company ?? domain?.split('.')[0];
      return company ? { company, ...(domain ? { domain } : {}) } : null;
    },

    async searchWeb({ query, subject }: { query: string; subject: ResearchSubject }): Promise<SearchResult[]> {
      const answer = await call<{ results: SearchResult[] }>(
        'search',
        '/v1/providers/search/query',
        { query, company: subject.company, domain: subject.domain },
        http,
      );
      return (answer?.results ?? []).map(({ url, title, rank }) => ({ url, title, rank }));
    },

    /** Crawls pages and extracts the wanted fields from each; pages that are gone are skipped. */
    async crawlAndExtract({ urls, fields }: { urls: string[]; fields: string[] }): Promise<PageFinding[]> {
      const findings: PageFinding[] = [];
      for (const url of urls) {
        const page = await call<{ html: string }>('crawl', '/v1/providers/crawl/fetch', { url }, http);
        heartbeat(url);
        if (!page) continue;
        const extracted = await call<{ provider: string; fields: Array<{ field: string; value: string | number | null; confidence: number }> }>(
          'extract',
          '/v1/providers/extract/fields',
          { html: page.html, fields },
          http,
        );
        const fetchedAt = new Date().toISOString();
        for (const f of extracted?.fields ?? []) {
          if (f.value === null) continue;
          findings.push({
            field: f.field,
            value: f.value,
            confidence: normalizeConfidence(f.confidence),
            provider: extracted?.provider ?? 'extract',
            fetchedAt,
            url,
          });
        }
      }
      return findings;
    },

    /**
     * Writes a row's researched fields (upserted by job, row and field) and settles its status: a
     * row still pending ends ENRICHED when anything was found, NOT_FOUND otherwise. Research asks
     * for company facts, but a personal field among them would be sealed before it is stored.
     */
    async saveResearch({ jobId, rowNumber, fields }: { jobId: string; rowNumber: number; fields: EnrichedField[] }): Promise<void> {
      await jobs.saveResearch(jobId, rowNumber, await sealPersonalFields(sealer, fields));
    },
  };
}
