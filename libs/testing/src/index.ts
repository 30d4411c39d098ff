/**
 * Test helpers shared by every project: the run's Temporal dev server and PostgreSQL (started by
 * `tools/test.sh`), a fresh migrated database per suite, unique task queues, and sample files.
 *
 * @module
 */
export { cloneDatabase as createTestDatabase, type ClonedDatabase as TestDatabase } from '@enrich/db';
export { testEnv, testCodec, connectTemporal, uniqueTaskQueue } from './test-environment';
export { customersCsv, type CustomersCsvOptions } from './customers-csv';
export { createTimeSkippingEnv } from './test-environment';
export { createTestWorker, type TestWorkerOptions } from './test-worker';
