import baseConfig, { specDepConstraints } from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    // Workflow code runs in Temporal's deterministic sandbox: activities are reached through
    // proxyActivities with type-only imports, never called directly.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: [{ name: '@enrich/activities', message: 'Workflows may import activity types only.', allowTypeImports: true }] },
      ],
    },
  },
  {
    files: ['src/**/*.spec.ts'],
    rules: { '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: true, allow: [], depConstraints: specDepConstraints }] },
  },
];
