/**
 * Persistence of the enrichment platform: the Prisma client factory (PostgreSQL through
 * `@prisma/adapter-pg`), repositories with idempotent writes, and the blob store for uploads.
 *
 * @module
 */
export { createPrismaClient, PrismaClient, Prisma, type DatabaseOptions } from './prisma-client';
export { JobRepository, type NewJob, type JobSummary, type StagedRow, type PendingRow, type RowResult, type ResultRow } from './job.repository';
export { FileBlobStore, BlobNotFoundError, type BlobStore } from './blob-store';
export { cloneDatabase, type ClonedDatabase } from './clone-database';
export { CustomerRepository, type CustomerInput, type StaleCustomer, type CustomerRefresh } from './customer.repository';
export { LookupCacheRepository, type CachedAnswer } from './lookup-cache.repository';
export { SealedValuesRepository, type ResultKey, type CacheKey } from './sealed-values.repository';
export { JobExportRepository, type ExportRow, type ExportField, type StoredExportRow } from './job-export.repository';
