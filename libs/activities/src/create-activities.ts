import type { FieldSealer } from '@enrich/codec';
import type { BlobStore, CustomerRepository, JobRepository } from '@enrich/db';
import { createCustomerActivities } from './customers.activities';
import { createEnrichmentActivities } from './enrichment.activities';
import { createJobActivities } from './jobs.activities';
import type { LookupService } from './providers/lookup-service';
import { createStagingActivities } from './staging.activities';

/** Everything the activities need from the process that hosts them. */
export interface ActivityDeps {
  jobs: JobRepository;
  customers: CustomerRepository;
  blobs: BlobStore;
  /** Demographics lookups through the cache and the provider's shared rate budget. */
  demographics: Pick<LookupService, 'lookupMany'>;
  /** Seals personal fields at rest and opens them for the provider call that needs them. */
  sealer: Pick<FieldSealer, 'sealRecord' | 'openRecord'>;
  /** Rows looked up together within a page (bounded further by the provider's budget). */
  chunkSize: number;
}

/** Builds the worker's activities over their dependencies (samples-typescript style). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createStagingActivities(deps),
    ...createEnrichmentActivities({ jobs: deps.jobs, demographics: deps.demographics, sealer: deps.sealer, chunkSize: deps.chunkSize }),
    ...createJobActivities(deps),
    ...createCustomerActivities({ customers: deps.customers, demographics: deps.demographics }),
  };
}

/** The activity interface workflows proxy (import it with `import type`). */
export type Activities = ReturnType<typeof createActivities>;
