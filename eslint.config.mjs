import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export const depConstraints = [
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: [] },
  // The codec fragment produces the codec's own options type (the codec depends on no config).
  { sourceTag: 'type:config', onlyDependOnLibsWithTags: ['type:codec'] },
  { sourceTag: 'type:http', onlyDependOnLibsWithTags: [] },
  {
    sourceTag: 'type:workflows',
    onlyDependOnLibsWithTags: ['type:domain', 'type:activities'],
    bannedExternalImports: [
      'node:*',
      'fs',
      'path',
      'os',
      'crypto',
      'http',
      'https',
      'net',
      'child_process',
      '@prisma/*',
      'pg',
      'undici',
      'pino',
      '@temporalio/activity',
      '@temporalio/worker',
      '@temporalio/client',
    ],
  },
  { sourceTag: 'type:csv', onlyDependOnLibsWithTags: ['type:domain'] },
  { sourceTag: 'type:codec', onlyDependOnLibsWithTags: ['type:domain'] },
  { sourceTag: 'type:db', onlyDependOnLibsWithTags: ['type:domain', 'type:config', 'type:codec'] },
  { sourceTag: 'type:providers', onlyDependOnLibsWithTags: ['type:domain', 'type:codec', 'type:db'] },
  { sourceTag: 'type:activities', onlyDependOnLibsWithTags: ['type:domain', 'type:config', 'type:codec', 'type:db', 'type:csv', 'type:providers'] },
  {
    sourceTag: 'type:testing',
    onlyDependOnLibsWithTags: ['type:domain', 'type:config', 'type:codec', 'type:db', 'type:csv', 'type:providers', 'type:activities', 'type:workflows'],
  },
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: [
      'type:domain',
      'type:config',
      'type:codec',
      'type:db',
      'type:csv',
      'type:providers',
      'type:activities',
      'type:workflows',
      'type:testing',
      'type:http',
    ],
  },
];

// Tests of workflow code host workers and replay histories: they may use what workflows may not.
export const specDepConstraints = depConstraints.map((c) =>
  c.sourceTag === 'type:workflows' ? { sourceTag: 'type:workflows', onlyDependOnLibsWithTags: ['type:domain', 'type:activities', 'type:testing'] } : c,
);

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/out-tsc', '**/generated', '**/node_modules', '.stack/**', 'coverage/**'],
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.cjs', '**/*.mjs'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          depConstraints,
        },
      ],
    },
  },
  {
    // Per-project tool configs extend the root ones by relative path; they are not code of a project.
    files: ['**/eslint.config.mjs', '**/jest.config.cjs', 'jest.preset.cjs'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
];
