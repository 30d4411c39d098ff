/**
 * Deterministic workflow code of the enrichment platform. Imports the domain and activity *types*
 * only; the worker bundles this package (`workflowsPath: require.resolve('@enrich/workflows')`).
 *
 * @module
 */
export * from './batch-enrichment.workflow';
export * from './customer-refresh.workflow';
export * from './row-research.workflow';
export * from './push-request.workflow';
export * from './webhook-delivery.workflow';
export * from './payment-event.workflow';
export * from './payment-review.workflow';
