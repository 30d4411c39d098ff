/**
 * What every app's configuration is made of; each app owns its schema (`apps/<app>/src/config.ts`)
 * and composes it from this lib, which depends on no other.
 *
 * - {@link loadConfig} parses the environment with an app's schema, once, at start, and throws a
 *   {@link ConfigError} naming every bad variable.
 * - `--help` of every app is generated from its schema: {@link describeEnv} lists the variables
 *   (name, default, required, the schema's `.describe()` text), {@link formatEnvHelp} prints them
 *   under a usage line and a summary, and {@link exitWithHelpIfAsked} is the one call in `main`.
 * - Shared fragments several apps spread into their schemas: {@link DEV_DEFAULTS} and the value
 *   helpers ({@link port}, {@link positiveInt}, {@link httpUrl}, {@link postgresUrl}, {@link bool},
 *   {@link logLevel}); the Temporal connection ({@link temporalEnv} → {@link TemporalConfig} →
 *   {@link temporalConnectionOptions}); the payload codec and key provider ({@link codecEnv} →
 *   {@link CodecConfig}, the shape the factories of `@enrich/codec` take).
 *
 * Schemas are written over environment variable names so a bad value is reported with the variable
 * to fix; defaults are the embedded dev stack (`tools/stack`), so a fresh checkout runs with no
 * configuration at all.
 *
 * @module
 */
export { ConfigError } from './config-error';
export { loadConfig, type Env } from './load-config';
export { describeEnv, formatEnvHelp, exitWithHelpIfAsked, type EnvVarHelp } from './env-help';
export {
  DEV_DEFAULTS,
  logLevel,
  port,
  positiveInt,
  httpUrl,
  postgresUrl,
  bool,
  kafkaBrokers,
  opsEnv,
  blobStoreEnv,
  toBlobStoreConfig,
  type BlobStoreConfig,
  temporalEnv,
  toTemporalConfig,
  tlsPathsTogether,
  type TemporalConfig,
} from './fragments';
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
