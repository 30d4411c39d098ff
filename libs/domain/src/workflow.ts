/**
 * The values workflow code may import (`@enrich/domain/workflow`): ids, job accounting, failure
 * types and enrichment groups, none of them built with zod or libphonenumber-js.
 *
 * The worker evaluates its workflow bundle's modules again for every workflow it starts, so a
 * workflow importing the package's index would build every zod schema and load the phone
 * metadata each time (about a third of the worker's CPU per payment event, profiled). Workflows
 * import types from `@enrich/domain` (`import type`, erased) and values from here.
 *
 * @module
 */
export * from './enrichment';
export * from './failure-types';
export * from './job';
export * from './merge';
export * from './research';
export * from './workflow-ids';
