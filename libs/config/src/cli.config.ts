import { z } from 'zod';
import { DEV_DEFAULTS, httpUrl } from './fragments';
import { loadConfig, type Env } from './load-config';

export const cliEnvSchema = z
  .object({ ENRICH_API_URL: httpUrl(`http://127.0.0.1:${DEV_DEFAULTS.gatewayPort}`).describe('Base URL of the api-gateway.') })
  .transform((env) => ({ apiUrl: env.ENRICH_API_URL }));

export type CliConfig = z.output<typeof cliEnvSchema>;

/** Parses the `enrich` CLI's configuration (flags override it). */
export function loadCliConfig(env: Env = process.env): CliConfig {
  return loadConfig(cliEnvSchema, env, 'enrich CLI');
}
