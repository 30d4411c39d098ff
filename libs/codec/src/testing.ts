/**
 * Test support of `@enrich/codec`, the subpath export `@enrich/codec/testing`: kept out of the
 * main entry point so production code never carries it.
 *
 * - {@link CountingKeyProvider} counts the calls reaching a key provider, which is how tests and
 *   the codec benchmark show that the data-key cache keeps master-key calls rare.
 *
 * @module
 */
export { CountingKeyProvider, type KeyProviderCallCounts } from './counting.key-provider';
