/**
 * Test support of `@enrich/config`, the subpath export `@enrich/config/testing`: the checks every
 * app's config spec makes of its own schema, kept out of the main entry point.
 *
 * @module
 */
import type { z } from 'zod';
import { ConfigError } from './config-error';
import { describeEnv, formatEnvHelp } from './env-help';

/**
 * What is wrong with an app's `--help`, as sentences (none: all good): a variable without a
 * one-line description, a variable the app requires (every app runs on the dev stack's embedded
 * defaults), a variable the help text leaves out.
 */
export function envHelpProblems(app: string, schema: z.ZodType): string[] {
  const variables = describeEnv(schema);
  const help = formatEnvHelp(app, 'What it does.', schema);
  return variables.flatMap((variable) => [
    ...(/^\S[^\n]*$/.test(variable.description ?? '') ? [] : [`${variable.name} has no one-line description`]),
    ...(variable.required ? [`${variable.name} is required: give it a default (the dev stack's)`] : []),
    ...(new RegExp(`^  ${variable.name} `, 'm').test(help) ? [] : [`${variable.name} is missing from the help text`]),
  ]);
}

/** The issues of the {@link ConfigError} `load` throws (it must throw one). */
export function configIssues(load: () => unknown): ConfigError['issues'] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
