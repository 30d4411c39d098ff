/**
 * Test helpers shared by every project: the run's Temporal dev server and PostgreSQL (started by
 * `tools/test.sh`), a fresh migrated database per suite, unique task queues, and sample files.
 *
 * @module
 */
export { createTestDatabase, type TestDatabase } from './test-database';
export { testEnv, connectTemporal, uniqueTaskQueue } from './test-environment';
export { customersCsv, type CustomersCsvOptions } from './customers-csv';
