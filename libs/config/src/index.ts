/**
 * One typed configuration per app, parsed from the environment once at start.
 *
 * Every schema is written over environment variable names so a bad value is reported with the
 * variable to fix; defaults are the embedded dev stack (`tools/stack`), so a fresh checkout runs
 * with no configuration at all.
 *
 * @module
 */
export { ConfigError } from './config-error';
export { loadConfig, type Env } from './load-config';
/**
 * `--help` of every app, generated from its config schema: {@link describeEnv} lists the variables
 * (name, default, required, the schema's `.describe()` text), {@link formatEnvHelp} prints them
 * under a usage line and a summary, and {@link exitWithHelpIfAsked} is the one call in `main`.
 */
export { describeEnv, formatEnvHelp, exitWithHelpIfAsked, type EnvVarHelp } from './env-help';
export { DEV_DEFAULTS, type TemporalConfig } from './fragments';
export { loadMockEnrichmentConfig, mockEnrichmentEnvSchema, type MockEnrichmentConfig } from './mock-enrichment.config';
export { loadWorkerConfig, workerEnvSchema, type WorkerConfig } from './worker.config';
export { type ProviderBudget } from './provider-budgets';
export { loadGatewayConfig, gatewayEnvSchema, type GatewayConfig } from './gateway.config';
export { loadTestEnvConfig, testEnvSchema, type TestEnvConfig } from './test-env.config';
export { loadCliConfig, cliEnvSchema, type CliConfig } from './cli.config';
export { loadSchedulerConfig, schedulerEnvSchema, type SchedulerConfig } from './scheduler.config';
export { temporalConnectionOptions, type TemporalConnectionOptions } from './temporal-connection';
export {
  codecEnv,
  codecEnvSchema,
  checkCodecEnv,
  toCodecConfig,
  loadCodecConfig,
  DEFAULT_LOCAL_KEY_FILE,
  type CodecConfig,
  type CodecEnv,
  type KeyProviderConfig,
} from './codec.config';
export { loadCodecServerConfig, codecServerEnvSchema, CODEC_ROLES, type CodecServerConfig, type CodecRole } from './codec-server.config';
