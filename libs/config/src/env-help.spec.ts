import { z } from 'zod';
import { describeEnv, exitWithHelpIfAsked, formatEnvHelp } from './env-help';
import {
  bool,
  checkCodecEnv,
  codecEnv,
  codecEnvSchema,
  DEV_DEFAULTS,
  httpUrl,
  logLevel,
  port,
  positiveInt,
  postgresUrl,
  temporalEnv,
  tlsPathsTogether,
  toCodecConfig,
  toTemporalConfig,
} from './index';

/**
 * Every shared fragment, composed the way the apps compose theirs. Each app's spec checks its own
 * schema (`apps/<app>/src/config.spec.ts`); a fragment's variable without a description fails here.
 */
const exampleEnvSchema = z
  .object({
    ...temporalEnv,
    ...codecEnv,
    PORT: port(DEV_DEFAULTS.gatewayPort).describe('HTTP port of the REST API.'),
    DATABASE_URL: postgresUrl.describe('PostgreSQL connection URL (migrated database).'),
    DATABASE_POOL_SIZE: positiveInt(10).describe('PostgreSQL connections in the pool.'),
    MOCK_ENRICHMENT_URL: httpUrl(DEV_DEFAULTS.mockEnrichmentUrl).describe('Base URL of the data providers.'),
    PAUSED: bool(false).describe('Start paused.'),
    LOG_LEVEL: logLevel,
  })
  .refine(tlsPathsTogether, { message: 'set both or neither', path: ['TEMPORAL_TLS_CERT_PATH'] })
  .superRefine(checkCodecEnv)
  .transform((env) => ({ temporal: toTemporalConfig(env), codec: toCodecConfig(env) }));

const SCHEMAS = { example: exampleEnvSchema, codec: codecEnvSchema } satisfies Record<string, z.ZodType>;

const byName = (schema: z.ZodType) => Object.fromEntries(describeEnv(schema).map((variable) => [variable.name, variable]));

describe('describeEnv', () => {
  describe.each(Object.entries(SCHEMAS))('%s', (_app, schema) => {
    const variables = describeEnv(schema);

    it('lists variables', () => {
      expect(variables.length).toBeGreaterThan(0);
    });

    it.each(variables.map((variable) => [variable.name, variable] as const))('%s has a one-line description', (_name, variable) => {
      expect(variable.description).toEqual(expect.stringMatching(/^\S[^\n]*$/));
    });
  });

  it('lists every key of the schema, in order', () => {
    expect(describeEnv(exampleEnvSchema).map((variable) => variable.name)).toEqual(Object.keys(exampleEnvSchema.in.shape));
  });

  it('shows defaults as they would be set in the environment', () => {
    const example = byName(exampleEnvSchema);
    expect(example.PORT).toEqual({ name: 'PORT', default: '3000', required: false, description: 'HTTP port of the REST API.' });
    expect(example.TEMPORAL_ADDRESS.default).toBe('127.0.0.1:7233');
    expect(example.DATABASE_URL.default).toBe('postgresql://enrich:enrich@127.0.0.1:5433/enrich');
    expect(example.MOCK_ENRICHMENT_URL.default).toBe('http://127.0.0.1:4010');
    expect(example.PAUSED.default).toBe('false');
    expect(example.LOG_LEVEL.default).toBe('info');
    expect(example.CODEC_ENCRYPTION.default).toBe('true');
    expect(example.CODEC_DATA_KEY_MAX_AGE_MS.default).toBe('300000');

    const lists = byName(z.object({ EMPTY: z.string().default('').describe('e'), LIST: z.array(z.string()).default(['a', 'b']).describe('l') }));
    expect(lists.EMPTY.default).toBe('""');
    expect(lists.LIST.default).toBe('a,b');
  });

  it('has no default for optional variables, and no shared fragment requires one', () => {
    const example = byName(exampleEnvSchema);
    expect(example.TEMPORAL_API_KEY).toEqual({ name: 'TEMPORAL_API_KEY', required: false, description: expect.any(String) });
    expect(example.KMS_DECRYPT_KEY_IDS.default).toBeUndefined();
    for (const schema of Object.values(SCHEMAS)) expect(describeEnv(schema).filter((variable) => variable.required)).toEqual([]);
  });

  it('looks through default, optional, transform, pipe and preprocess, and reads .meta() too', () => {
    const schema = z
      .object({
        REQUIRED: z.string().describe('needed'),
        PIPED: z
          .string()
          .default('a,b')
          .transform((list) => list.split(','))
          .pipe(z.array(z.string()))
          .describe('piped'),
        PREPROCESSED: z.preprocess((value) => value, z.coerce.number().default(7).meta({ description: 'preprocessed' })),
        INNER: z.coerce.number().describe('described inside').optional(),
        PREFAULTED: z.coerce.number().prefault('5').describe('prefaulted'),
        UNDESCRIBED: z.string().optional(),
      })
      .refine(() => true)
      .transform((env) => env);
    expect(describeEnv(schema)).toEqual([
      { name: 'REQUIRED', required: true, description: 'needed' },
      { name: 'PIPED', default: 'a,b', required: false, description: 'piped' },
      { name: 'PREPROCESSED', default: '7', required: false, description: 'preprocessed' },
      { name: 'INNER', required: false, description: 'described inside' },
      { name: 'PREFAULTED', default: '5', required: false, description: 'prefaulted' },
      { name: 'UNDESCRIBED', required: false },
    ]);
  });

  it('refuses a schema that is not over an object', () => {
    expect(() => describeEnv(z.string())).toThrow(/expected a zod object schema/);
  });
});

describe('formatEnvHelp', () => {
  it.each(Object.entries(SCHEMAS))('%s: names every variable', (app, schema) => {
    const help = formatEnvHelp(app, 'What it does.', schema);
    for (const variable of describeEnv(schema)) expect(help).toMatch(new RegExp(`^  ${variable.name} `, 'm'));
  });

  it('prints a usage line, the summary, then NAME  default  description', () => {
    const help = formatEnvHelp('api-gateway', 'REST API under /v1.', exampleEnvSchema);
    const lines = help.split('\n');
    expect(lines[0]).toBe('Usage: [NAME=value ...] node apps/api-gateway/dist/main.js [-h | --help]');
    expect(lines[2]).toBe('REST API under /v1.');
    expect(help).toMatch(/^ {2}NAME +DEFAULT +DESCRIPTION$/m);
    expect(help).toMatch(/^ {2}PORT +3000 +HTTP port of the REST API\.$/m);
    expect(help).toMatch(/^ {2}TEMPORAL_API_KEY +- +API key/m);
    // A default too long for its column puts the description on the next line, in its column.
    const url = lines.findIndex((line) => line.startsWith('  DATABASE_URL '));
    expect(lines[url]).toMatch(/postgresql:\/\/enrich:enrich@127\.0\.0\.1:5433\/enrich$/);
    expect(lines[url + 1].indexOf('PostgreSQL')).toBe(lines.find((line) => line.startsWith('  NAME'))?.indexOf('DESCRIPTION'));
  });

  it('marks required variables and wraps the summary', () => {
    const help = formatEnvHelp('x', 'word '.repeat(40), z.object({ NEEDED: z.string().describe('needed') }));
    expect(help).toMatch(/^ {2}NEEDED +\(required\) +needed$/m);
    expect(help.split('\n').every((line) => line.length <= 100)).toBe(true);
  });
});

describe('exitWithHelpIfAsked', () => {
  const schema = z.object({ PORT: z.coerce.number().default(1).describe('port') });

  afterEach(() => jest.restoreAllMocks());

  it.each([['--help'], ['-h']])('prints the help and exits 0 on %s', (flag) => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => {
      throw new Error('exited');
    }) as never);
    expect(() => exitWithHelpIfAsked('app', 'Does things.', schema, ['node', 'main.js', flag])).toThrow('exited');
    expect(exit).toHaveBeenCalledWith(0);
    expect(write).toHaveBeenCalledWith(formatEnvHelp('app', 'Does things.', schema));
  });

  it('returns without a word otherwise', () => {
    const write = jest.spyOn(process.stdout, 'write');
    const exit = jest.spyOn(process, 'exit');
    exitWithHelpIfAsked('app', 'Does things.', schema, ['node', 'main.js', '--port', '3']);
    expect(write).not.toHaveBeenCalled();
    expect(exit).not.toHaveBeenCalled();
  });
});
