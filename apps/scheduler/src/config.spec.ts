import { describeEnv } from '@enrich/config';
import { envHelpProblems } from '@enrich/config/testing';
import { loadSchedulerConfig, schedulerEnvSchema } from './config';

describe('--help of scheduler', () => {
  const variables = describeEnv(schedulerEnvSchema);

  it('describes every variable in one line, requires none (the dev stack is the default) and lists them all', () => {
    expect(envHelpProblems('scheduler', schedulerEnvSchema)).toEqual([]);
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
