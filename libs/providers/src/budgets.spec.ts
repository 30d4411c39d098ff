import { UnknownProviderError } from './waterfall';
import { providerBudgets } from './budgets';

describe('providerBudgets', () => {
  const defaults = { requestsPerSecond: 0, maxInFlight: 64 };

  it('gives configured providers their own budget and the rest the defaults', () => {
    expect(providerBudgets(['demographics', 'people-data', 'firmographics'], defaults, { 'people-data': { requestsPerSecond: 10, maxInFlight: 4 } })).toEqual({
      demographics: defaults,
      'people-data': { requestsPerSecond: 10, maxInFlight: 4 },
      firmographics: defaults,
    });
    expect(providerBudgets(['demographics'], defaults)).toEqual({ demographics: defaults });
  });

  it('refuses a budget for a provider it has no client for, naming it', () => {
    expect(() => providerBudgets(['demographics', 'people-data'], defaults, { peopledata: defaults })).toThrow(
      new UnknownProviderError('a rate budget is configured for unknown provider(s) peopledata (known: demographics, people-data)'),
    );
  });
});
