import { ConfigError, type Env } from '@enrich/config';
import { resolveVendorsConfig, type VendorsConfig } from '@enrich/providers';
import { readFileSync } from 'node:fs';

/**
 * Reads and resolves `VENDORS_CONFIG_FILE` at start, API keys from `env` or their secret files.
 *
 * @throws ConfigError naming every problem: the file unreadable or not JSON, each entry the schema
 * refuses, a key variable not set, a waterfall naming an undeclared vendor.
 */
export function loadVendorsFile(path: string, env: Env, platformBaseUrl: string): VendorsConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? `not valid JSON (${error.message})` : `cannot read it (${(error as NodeJS.ErrnoException).code ?? error})`;
    throw invalid(path, [{ path: '(file)', message: reason }]);
  }
  const result = resolveVendorsConfig(json, { env, readFile: (file) => readFileSync(file, 'utf8'), platformBaseUrl });
  if (!result.ok) throw invalid(path, result.issues);
  return result.config;
}

function invalid(path: string, issues: ReadonlyArray<{ path: string; message: string }>): ConfigError {
  const problems = issues.map((issue) => ({ variable: 'VENDORS_CONFIG_FILE', problem: `${path}: ${issue.path}: ${issue.message}` }));
  return new ConfigError(
    `Invalid vendors config for worker:\n${problems.map(({ problem }) => `  - ${problem}`).join('\n')}\nFix the file named by VENDORS_CONFIG_FILE (see README "Vendors") and start again.`,
    problems,
  );
}
