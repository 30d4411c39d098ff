import { checkCodecEnv, codecEnv, httpUrl, kafkaBrokers, loadConfig, postgresUrl, temporalEnv, toCodecConfig, type Env } from '@enrich/config';
import { z } from 'zod';

/**
 * What integration tests are given by `tools/test.sh` (one Temporal dev server, one PostgreSQL and
 * one mock-enrichment per run). Each suite then makes its own database and task queue.
 */
export const testEnvSchema = z
  .object({
    ...codecEnv,
    TEMPORAL_ADDRESS: temporalEnv.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: temporalEnv.TEMPORAL_NAMESPACE,
    TEMPORAL_CLI_PATH: z.string().optional().describe('The temporal CLI binary, for tests that drive it.'),
    TEMPORAL_TEST_SERVER_PATH: z.string().optional().describe("Temporal's time-skipping test server binary."),
    DATABASE_URL: postgresUrl.describe('PostgreSQL server the suites make their databases on.'),
    MOCK_ENRICHMENT_URL: httpUrl('http://127.0.0.1:14010').describe('Base URL of the mock-enrichment of the test run.'),
    KAFKA_BROKERS: kafkaBrokers.describe("Kafka broker of the test run (the test stack's)."),
    CHROMIUM_PATH: z.string().default('/usr/bin/chromium').describe('Chromium or Chrome for browser tests of the Temporal Web UI (playwright-core drives it).'),
    TEST_TEMPLATE_DATABASE: z.string().default('enrich_template').describe("The migrated database that each suite's fresh database is cloned from."),
  })
  .superRefine(checkCodecEnv)
  .transform((env) => ({
    codec: toCodecConfig(env),
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      cliPath: env.TEMPORAL_CLI_PATH,
      testServerPath: env.TEMPORAL_TEST_SERVER_PATH,
    },
    databaseUrl: env.DATABASE_URL,
    mockEnrichmentUrl: env.MOCK_ENRICHMENT_URL,
    kafkaBrokers: env.KAFKA_BROKERS,
    templateDatabase: env.TEST_TEMPLATE_DATABASE,
    chromiumPath: env.CHROMIUM_PATH,
  }));

/** The run's services, as {@link loadTestEnvConfig} returns them. */
export type TestEnvConfig = z.output<typeof testEnvSchema>;

/** Parses what `tools/test.sh` gives the suites; suites ask through `testEnv()`. */
export function loadTestEnvConfig(env: Env = process.env): TestEnvConfig {
  return loadConfig(testEnvSchema, env, 'tests');
}
