import { describeEnv } from '@enrich/config';
import { envHelpProblems } from '@enrich/config/testing';
import { codecServerEnvSchema } from './config';

describe('--help of codec-server', () => {
  const variables = describeEnv(codecServerEnvSchema);

  it('describes every variable in one line, requires none (the dev stack is the default) and lists them all', () => {
    expect(envHelpProblems('codec-server', codecServerEnvSchema)).toEqual([]);
  });

  it('shows defaults as they would be set in the environment', () => {
    const codecServer = Object.fromEntries(variables.map((variable) => [variable.name, variable]));
    expect(codecServer.CODEC_CORS_ORIGINS.default).toBe('http://127.0.0.1:8233,http://localhost:8233');
    expect(codecServer.PORT.default).toBe('8888');
  });
});
