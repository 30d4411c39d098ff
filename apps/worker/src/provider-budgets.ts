import { z } from 'zod';

/** Rate and concurrency towards one provider, for the whole worker process. */
export interface ProviderBudget {
  /** Sustained requests per second; 0 = unlimited. */
  requestsPerSecond: number;
  /** Requests in flight at once. */
  maxInFlight: number;
}

const SYNTAX = 'expected <provider>=<requests per second>/<max in flight>, e.g. demographics=50/16';
const ENTRY = /^([a-z][a-z0-9-]*)=([^/]*)(?:\/(.*))?$/;
const RATE = /^\d+(?:\.\d+)?$/;
const COUNT = /^\d+$/;

/**
 * `PROVIDER_BUDGETS`: comma-separated `<provider>=<requests per second>/<max in flight>`, e.g.
 * `demographics=50/16,people-data=10/4`. Either number may be left out (`people-data=10`,
 * `people-data=/4`) to keep the global value for it; 0 requests per second means unlimited.
 * Every bad entry is reported on the variable, quoted, with what is wrong with it.
 */
export const providerBudgetsEnv = z
  .string()
  .default('')
  .transform((text, context) => {
    const budgets: Record<string, Partial<ProviderBudget>> = {};
    if (text.trim() === '') return budgets;
    const problem = (entry: string, message: string) => context.addIssue({ code: 'custom', message: `"${entry}": ${message}` });
    for (const entry of text.split(',').map((part) => part.trim())) {
      const match = ENTRY.exec(entry);
      if (!match) {
        problem(entry, SYNTAX);
        continue;
      }
      const [, name, rate = '', inFlight = ''] = match;
      if (name in budgets) {
        problem(entry, `${name} is given more than once`);
        continue;
      }
      if (rate === '' && inFlight === '') {
        problem(entry, `set requests per second, max in flight, or both (${SYNTAX})`);
        continue;
      }
      if (rate !== '' && !RATE.test(rate)) problem(entry, 'requests per second must be a number ≥ 0 (0 = unlimited)');
      if (inFlight !== '' && (!COUNT.test(inFlight) || Number(inFlight) < 1)) problem(entry, 'max in flight must be a whole number ≥ 1');
      budgets[name] = {
        ...(rate === '' ? {} : { requestsPerSecond: Number(rate) }),
        ...(inFlight === '' ? {} : { maxInFlight: Number(inFlight) }),
      };
    }
    return budgets;
  });

/** Fills what each entry left out from the global budget. */
export function resolveProviderBudgets(entries: Readonly<Record<string, Partial<ProviderBudget>>>, global: ProviderBudget): Record<string, ProviderBudget> {
  return Object.fromEntries(Object.entries(entries).map(([name, entry]) => [name, { ...global, ...entry }]));
}
