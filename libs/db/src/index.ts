/**
 * Persistence of the enrichment platform: the Prisma client factory (PostgreSQL through
 * `@prisma/adapter-pg`), repositories with idempotent writes, and the blob store for uploads.
 *
 * @module
 */
export { createPrismaClient, PrismaClient, Prisma, type DatabaseOptions } from './prisma-client';
export { JobRepository, type NewJob, type JobSummary, type StagedRow, type PendingRow, type RowResult, type ResultRow } from './job.repository';
export { FileBlobStore, BlobNotFoundError, checkBlobKey, type BlobStore } from './blob-store';
export { S3BlobStore, type S3BlobStoreOptions } from './s3-blob-store';
export { createBlobStore, type BlobStoreSettings } from './create-blob-store';
export { CustomerRepository, type CustomerInput, type StaleCustomer, type CustomerRefresh } from './customer.repository';
export { LookupCacheRepository, type CachedAnswer } from './lookup-cache.repository';
export { ProviderCallRepository, type ProviderCallEntry, type BilledUsage } from './provider-call.repository';
export { SealedValuesRepository, type ResultKey, type CacheKey } from './sealed-values.repository';
export { JobExportRepository, type ExportRow, type ExportField, type StoredExportRow } from './job-export.repository';
export { TenantRepository, TenantExistsError, type Tenant } from './tenant.repository';
export { ApiKeyRepository, type ApiKeyRecord, type MintedApiKey, type VerifiedApiKey, type ApiKeyRefusal } from './api-key.repository';
export { RateLimitRepository } from './rate-limit.repository';
export { PushRequestRepository, type PushAggregate, type PushContact, type StagedPush, type PushRequestRecord } from './push-request.repository';
export { IdempotencyRepository, type IdempotencyClaim, type IdempotencyWindow } from './idempotency.repository';
export { WebhookRepository, type WebhookEndpointRecord, type WebhookDeliveryRecord, type WebhookAttemptRecord, type WebhookTarget } from './webhook.repository';
export {
  PaymentEventRepository,
  type CustomerPaymentHistory,
  type StoredPaymentEvent,
  type QuarantinedPaymentEvent,
  type NewQuarantine,
  type QuarantineListQuery,
  type StoredPaymentEventDetails,
} from './payment-event.repository';
