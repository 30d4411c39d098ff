import type { FieldSealer } from '@enrich/codec';
import { CustomerRepository, FileBlobStore, JobRepository, type PrismaClient } from '@enrich/db';
import { createActivities } from './create-activities';
import { DemographicsClient } from './providers/demographics.client';

export interface ActivitiesForDatabaseOptions {
  prisma: PrismaClient;
  sealer: FieldSealer;
  /** Directory of the blob store holding uploads (shared with the gateway). */
  blobDir: string;
  providers: {
    baseUrl: string;
    timeoutMs: number;
    /** Provider calls in flight per activity. */
    concurrency: number;
    /** Headers on every provider call (API keys; `x-mock-knobs` in tests). */
    headers?: Record<string, string>;
  };
}

/** The platform's activities over PostgreSQL, a file blob store and the HTTP providers. */
export function createActivitiesForDatabase({ prisma, sealer, blobDir, providers }: ActivitiesForDatabaseOptions) {
  return createActivities({
    jobs: new JobRepository(prisma),
    customers: new CustomerRepository(prisma),
    blobs: new FileBlobStore(blobDir),
    sealer,
    demographics: new DemographicsClient({ baseUrl: providers.baseUrl, timeoutMs: providers.timeoutMs, headers: providers.headers }),
    providerConcurrency: providers.concurrency,
  });
}
