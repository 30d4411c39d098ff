import { UnknownProviderError } from './waterfall';
import type { RateBudgetOptions } from './rate-budget';

/** Rate and concurrency towards one provider, for the whole worker process. */
export type BudgetSettings = Pick<RateBudgetOptions, 'requestsPerSecond' | 'maxInFlight'>;

/**
 * The budget of each of `providers`: its own when one is configured, else `defaults`. A budget for
 * a provider the worker has no client for is refused, so a misspelt name cannot leave a vendor
 * running on the default budget unnoticed.
 *
 * @throws {@link UnknownProviderError} naming the unknown providers and the known ones.
 */
export function providerBudgets(
  providers: readonly string[],
  defaults: BudgetSettings,
  own: Readonly<Record<string, BudgetSettings>> = {},
): Record<string, BudgetSettings> {
  const unknown = Object.keys(own).filter((name) => !providers.includes(name));
  if (unknown.length > 0) {
    throw new UnknownProviderError(`a rate budget is configured for unknown provider(s) ${unknown.join(', ')} (known: ${providers.join(', ')})`);
  }
  return Object.fromEntries(providers.map((name) => [name, own[name] ?? defaults]));
}
