/**
 * Test support of `@enrich/db`, the subpath export `@enrich/db/testing`: kept out of the main entry
 * point so production code never carries it.
 *
 * - {@link cloneDatabase} makes a fresh database from a migrated template (one per test suite).
 *
 * @module
 */
export { cloneDatabase, type ClonedDatabase } from './clone-database';
