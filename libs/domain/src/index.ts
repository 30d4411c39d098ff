/**
 * The enrichment platform's domain model: record schemas, enrichment fields and their provenance,
 * job accounting, and the pure rules over them (header mapping, validation, merging, paging).
 *
 * No I/O and no Temporal: this package is safe to import from workflow code and from any service.
 *
 * @module
 */
export * from './customer-record';
export * from './enrichment';
export * from './merge';
export * from './job';
export * from './sealed';
export * from './sealed-fields';
export * from './research';
export * from './text-encoding';
export * from './tenancy';
export * from './push-request';
export * from './failure-types';
export * from './workflow-ids';
export * from './webhooks';
export * from './webhook-url';
export * from './payments';
