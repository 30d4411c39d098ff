import { z } from 'zod';

/** What `--help` says about one environment variable, read from an app's config schema. */
export interface EnvVarHelp {
  /** The variable's name: a key of the schema's object. */
  name: string;
  /** The default as it would be written in the environment (lists comma separated); `undefined` when there is none. */
  default?: string;
  /** Whether the app refuses to start without it (no default and not optional). */
  required: boolean;
  /** One line from the schema (`.describe()` / `.meta({ description })`); `undefined` when the schema has none. */
  description?: string;
}

type Schema = z.core.$ZodType;

/**
 * Lists the environment variables of a config schema: a zod object over variable names, possibly
 * refined, transformed or piped (as every app's schema is), in the schema's key order.
 *
 * Each variable's description and default are looked up through its wrappers (`.default()`,
 * `.prefault()`, `.optional()`, `.transform()`, `.pipe()`, `z.preprocess()`), outermost first.
 *
 * @throws Error when no object schema is found under `schema`'s wrappers.
 */
export function describeEnv(schema: z.ZodType): EnvVarHelp[] {
  const shape = objectShape(schema);
  if (!shape) throw new Error(`describeEnv: expected a zod object schema over environment variable names, got ${schema._zod.def.type}`);
  return Object.entries(shape).map(([name, variable]) => {
    const found = inspect(variable, {});
    return {
      name,
      ...(found.default ? { default: printDefault(found.default.value) } : {}),
      // Exactly what loadConfig does with an unset (or empty) variable.
      required: !z.safeParse(variable, undefined).success,
      ...(found.description ? { description: found.description } : {}),
    };
  });
}

/** The shape of the object under `schema`'s pipes and wrappers, if any. */
function objectShape(schema: Schema): Record<string, Schema> | undefined {
  const def = (schema as z.core.$ZodTypes)._zod.def;
  switch (def.type) {
    case 'object':
      return def.shape;
    case 'pipe':
      return objectShape(def.in) ?? objectShape(def.out);
    case 'default':
    case 'prefault':
    case 'optional':
    case 'nullable':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return objectShape(def.innerType);
    default:
      return undefined;
  }
}

interface Found {
  description?: string;
  default?: { value: unknown };
}

/** Collects the outermost description and default of one variable's schema. */
function inspect(schema: Schema, found: Found): Found {
  const description = z.globalRegistry.get(schema)?.description;
  if (found.description === undefined && description) found.description = description;
  const def = (schema as z.core.$ZodTypes)._zod.def;
  switch (def.type) {
    case 'default':
    case 'prefault':
      found.default ??= { value: def.defaultValue };
      return inspect(def.innerType, found);
    case 'optional':
    case 'nullable':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return inspect(def.innerType, found);
    case 'pipe':
      // `.transform()` and `.pipe()` read the environment through `in`; `z.preprocess()` is a
      // transform in front of the schema that does, so look behind it.
      inspect(def.in, found);
      return def.in._zod.def.type === 'transform' ? inspect(def.out, found) : found;
    default:
      return found;
  }
}

/** A default as it would be set in the environment. */
function printDefault(value: unknown): string {
  if (value === '') return '""';
  if (Array.isArray(value)) return value.map(printDefault).join(',');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** Defaults longer than this get their description on the next line, so the columns stay narrow. */
const MAX_DEFAULT_COLUMN = 24;

/**
 * The `--help` text of an app: a usage line, `summary` (one paragraph of what the app does) and
 * every variable of `schema` as `NAME  default  description` (`-` for no default, `(required)`
 * for a variable the app cannot start without).
 */
export function formatEnvHelp(appName: string, summary: string, schema: z.ZodType): string {
  const variables = describeEnv(schema);
  const defaults = variables.map((variable) => variable.default ?? (variable.required ? '(required)' : '-'));
  const nameWidth = Math.max('NAME'.length, ...variables.map((variable) => variable.name.length));
  const defaultWidth = Math.max('DEFAULT'.length, ...defaults.filter((text) => text.length <= MAX_DEFAULT_COLUMN).map((text) => text.length));
  const indent = ' '.repeat(2 + nameWidth + 2 + defaultWidth + 2);
  const row = (name: string, fallback: string, description: string) =>
    fallback.length > defaultWidth
      ? `  ${name.padEnd(nameWidth)}  ${fallback}\n${indent}${description}`
      : `  ${name.padEnd(nameWidth)}  ${fallback.padEnd(defaultWidth)}  ${description}`.trimEnd();
  return [
    `Usage: [NAME=value ...] node apps/${appName}/dist/main.js [-h | --help]`,
    '',
    wrap(summary, 100),
    '',
    'Configured by environment variables only (an empty one counts as unset):',
    '',
    row('NAME', 'DEFAULT', 'DESCRIPTION'),
    ...variables.map((variable, index) => row(variable.name, defaults[index], variable.description ?? '')),
    '',
  ].join('\n');
}

/** Breaks `text` into lines of at most `width` characters at spaces. */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.trim().split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return [...lines, line].join('\n');
}

/**
 * Prints {@link formatEnvHelp} to stdout and exits with status 0 when `argv` asks for help
 * (`--help` or `-h`); returns otherwise. Call it first in an app's `main`, before its config is
 * loaded or anything is connected to.
 */
export function exitWithHelpIfAsked(appName: string, summary: string, schema: z.ZodType, argv: readonly string[] = process.argv): void {
  if (!argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) return;
  process.stdout.write(formatEnvHelp(appName, summary, schema));
  process.exit(0);
}
