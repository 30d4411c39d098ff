/**
 * Test helpers shared by every project: the run's Temporal dev server and PostgreSQL (started by
 * `tools/test.sh`) as its environment describes them ({@link loadTestEnvConfig}), a fresh migrated
 * database per suite, unique task queues, and sample files.
 *
 * Test code only: apps list this lib in their devDependencies and their builds never reference it.
 *
 * @module
 */
export { cloneDatabase as createTestDatabase, type ClonedDatabase as TestDatabase } from '@enrich/db/testing';
export { loadTestEnvConfig, testEnvSchema, type TestEnvConfig } from './test-env.config';
export { testEnv, testCodec, connectTemporal, uniqueTaskQueue, eventually } from './test-environment';
export { customersCsv, type CustomersCsvOptions } from './customers-csv';
export { createTimeSkippingEnv } from './test-environment';
export { createTestWorker, type TestWorkerOptions } from './test-worker';
export {
  generatePaymentMessages,
  expectedPaymentOutcome,
  paymentMessageCounts,
  INVALID_PAYMENT_VARIANTS,
  type PaymentMessage,
  type PaymentMessageKind,
  type PaymentMessagesOptions,
  type PaymentOutcome,
  type InvalidPaymentVariant,
} from './payment-events';
