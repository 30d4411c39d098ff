import type { Activities } from '@enrich/activities';
import type { EnrichedField, ResearchSubject } from '@enrich/domain';
import { DEFAULT_CONFIDENCE_THRESHOLD, FAILURE_TYPES, mergeEnrichedFields, missingFields, pagesToCrawl, researchQueries } from '@enrich/domain/workflow';
import { type ActivityOptions, ActivityCancellationType, continueAsNew, patched, proxyActivities } from '@temporalio/workflow';

/** Input of {@link rowResearchWorkflow}: ids only, never the row's content. */
export interface RowResearchInput {
  jobId: string;
  rowNumber: number;
  /** Fields to find on the web. */
  fields: string[];
  /** Research rounds at most (each round is one run: the loop continues as new). */
  maxRounds?: number;
  /** Pages crawled per search. */
  pagesPerSearch?: number;
  /** Set only by the workflow's own continue-as-new. */
  state?: { subject: ResearchSubject; round: number; crawled: string[]; candidates: EnrichedField[] };
}

export interface RowResearchResult {
  rounds: number;
  found: string[];
  missing: string[];
}

export const DEFAULT_RESEARCH_ROUNDS = 3;

const ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 8,
    nonRetryableErrorTypes: [FAILURE_TYPES.PROVIDER_REJECTED],
  },
};
const { researchSubject, searchWeb, crawlAndExtract, saveResearch: saveResearchTryCancel } = proxyActivities<Activities>(ACTIVITY_OPTIONS);
const { saveResearch: saveResearchToTheEnd } = proxyActivities<Activities>({
  ...ACTIVITY_OPTIONS,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/**
 * A row cancelled while its research is being saved closes only once the save is over, so the
 * cancelled job's rows never change after it says CANCELLED. Runs that saved before this marker
 * went on without waiting; their replay still does.
 */
const SAVE_BEFORE_CANCELLED_PATCH = 'save-research-before-cancelled';
const saveResearch = (input: Parameters<Activities['saveResearch']>[0]) =>
  (patched(SAVE_BEFORE_CANCELLED_PATCH) ? saveResearchToTheEnd : saveResearchTryCancel)(input);

/**
 * Researches one row's company on the open web: search → decide which results to crawl → crawl →
 * extract fields with confidences → feedback. Fields still missing (or below the confidence
 * threshold) shape the next round's queries, and the row continues as new for that round, up to
 * `maxRounds`; then the best value found for each field is stored with its provenance.
 */
export async function rowResearchWorkflow(input: RowResearchInput): Promise<RowResearchResult> {
  const maxRounds = input.maxRounds ?? DEFAULT_RESEARCH_ROUNDS;
  const subject = input.state?.subject ?? (await researchSubject({ jobId: input.jobId, rowNumber: input.rowNumber }));
  if (!subject) {
    await saveResearch({ jobId: input.jobId, rowNumber: input.rowNumber, fields: [] });
    return { rounds: 0, found: [], missing: input.fields };
  }
  const round = input.state?.round ?? 0;
  const crawled = new Set(input.state?.crawled ?? []);
  let candidates = input.state?.candidates ?? [];

  for (const query of researchQueries(subject, missingFields(input.fields, candidates, DEFAULT_CONFIDENCE_THRESHOLD), round)) {
    const results = await searchWeb({ query, subject });
    const urls = pagesToCrawl(results, crawled, input.pagesPerSearch ?? 3);
    urls.forEach((url) => crawled.add(url));
    if (urls.length === 0) continue;
    const findings = await crawlAndExtract({ urls, fields: input.fields });
    // Keep only the best value per field: the state carried into the next round stays small.
    candidates = mergeEnrichedFields(
      candidates,
      findings.map(({ url: _url, ...field }) => field),
    );
  }

  const missing = missingFields(input.fields, candidates, DEFAULT_CONFIDENCE_THRESHOLD);
  if (missing.length > 0 && round + 1 < maxRounds) {
    await continueAsNew<typeof rowResearchWorkflow>({ ...input, state: { subject, round: round + 1, crawled: [...crawled], candidates } });
  }
  await saveResearch({ jobId: input.jobId, rowNumber: input.rowNumber, fields: candidates });
  return { rounds: round + 1, found: candidates.filter((c) => c.confidence >= DEFAULT_CONFIDENCE_THRESHOLD).map((c) => c.field), missing };
}
