import type { z } from 'zod';
import { ConfigError } from './config-error';

/** The environment a config is parsed from: `process.env` in apps, a literal in tests. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses `env` with an app's config schema, once, at start.
 *
 * Schemas are written over environment variable names, so every issue names the variable to fix.
 * Empty strings count as unset, so `FOO=` falls back to the default instead of failing as "".
 *
 * @throws {@link ConfigError} listing every bad variable and what is wrong with it.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Env, service: string): z.output<S> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    variable: issue.path.length > 0 ? issue.path.map(String).join('.') : '(environment)',
    problem: issue.message,
  }));
  const lines = issues.map(({ variable, problem }) => `  - ${variable}: ${problem}`);
  return fail(
    new ConfigError(
      `Invalid configuration for ${service}:\n${lines.join('\n')}\nSet these environment variables (see README "Configuration") and start again.`,
      issues,
      { cause: result.error },
    ),
  );
}

function fail(error: ConfigError): never {
  throw error;
}
