/**
 * Activities of the enrichment platform, built by {@link createActivities} over injected
 * dependencies: CSV staging, page enrichment through the vendors of `@enrich/providers`, and job
 * bookkeeping. Workflows
 * import only the {@link Activities} type.
 *
 * @module
 */
export { createActivities, type ActivityDeps, type Activities } from './create-activities';
export type { StageJobInput, StageJobResult } from './staging.activities';
export type { RefreshCustomersInput, RefreshCustomersResult } from './customers.activities';
export type { EnrichPageInput, EnrichPageResult, PageObserver } from './enrichment.activities';
export type { StagingObserver } from './staging.activities';
export { createActivitiesForDatabase, type ActivitiesForDatabaseOptions } from './activities-for-database';
export type { SearchResult, PageFinding } from './research.activities';
export type { ClosePushRequestInput } from './push.activities';
export type { PaymentEventStep } from './payments.activities';
export type { WebhookDispatcher, WebhookOptions } from './webhooks.activities';
