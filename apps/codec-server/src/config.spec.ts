import { describeEnv, formatEnvHelp } from '@enrich/config';
import { codecServerEnvSchema } from './config';

describe('--help of codec-server', () => {
  const variables = describeEnv(codecServerEnvSchema);

  it.each(variables.map((variable) => [variable.name, variable] as const))('%s has a one-line description', (_name, variable) => {
    expect(variable.description).toEqual(expect.stringMatching(/^\S[^\n]*$/));
  });

  it("requires no variable: the dev stack's defaults are embedded", () => {
    expect(variables.filter((variable) => variable.required)).toEqual([]);
  });

  it('names every variable', () => {
    const help = formatEnvHelp('codec-server', 'What it does.', codecServerEnvSchema);
    for (const variable of variables) expect(help).toMatch(new RegExp(`^  ${variable.name} `, 'm'));
  });

  it('shows defaults as they would be set in the environment', () => {
    const codecServer = Object.fromEntries(variables.map((variable) => [variable.name, variable]));
    expect(codecServer.CODEC_CORS_ORIGINS.default).toBe('http://127.0.0.1:8233,http://localhost:8233');
    expect(codecServer.PORT.default).toBe('8888');
  });
});
