/**
 * The enrichment worker: {@link createEnrichmentWorker} hosts every workflow and activity of the
 * platform. Exported so end-to-end suites can host a real worker in-process.
 *
 * @module
 */
export { createEnrichmentWorker, type EnrichmentWorkerOptions } from './worker';
