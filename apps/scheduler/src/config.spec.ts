import { describeEnv, formatEnvHelp } from '@enrich/config';
import { loadSchedulerConfig, schedulerEnvSchema } from './config';

describe('--help of scheduler', () => {
  const variables = describeEnv(schedulerEnvSchema);

  it.each(variables.map((variable) => [variable.name, variable] as const))('%s has a one-line description', (_name, variable) => {
    expect(variable.description).toEqual(expect.stringMatching(/^\S[^\n]*$/));
  });

  it("requires no variable: the dev stack's defaults are embedded", () => {
    expect(variables.filter((variable) => variable.required)).toEqual([]);
  });

  it('names every variable', () => {
    const help = formatEnvHelp('scheduler', 'What it does.', schedulerEnvSchema);
    for (const variable of variables) expect(help).toMatch(new RegExp(`^  ${variable.name} `, 'm'));
  });

  it('shows defaults as they would be set in the environment', () => {
    const scheduler = Object.fromEntries(variables.map((variable) => [variable.name, variable]));
    expect(scheduler.REFRESH_PAUSED.default).toBe('false');
  });
});

describe('loadSchedulerConfig', () => {
  it('declares the customer refresh every 6 hours by default', () => {
    expect(loadSchedulerConfig({}).customerRefresh).toEqual({ intervalHours: 6, staleAfterHours: 24, pageSize: 200, paused: false });
    expect(loadSchedulerConfig({ REFRESH_PAUSED: 'yes' }).customerRefresh.paused).toBe(true);
  });
});
