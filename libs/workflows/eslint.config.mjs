import baseConfig, { specDepConstraints } from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    // Workflow code runs in Temporal's deterministic sandbox: activities are reached through
    // proxyActivities with type-only imports, never called directly; domain values come from the
    // light `@enrich/domain/workflow` entry.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: '@enrich/activities', message: 'Workflows may import activity types only.', allowTypeImports: true },
            {
              // The worker evaluates the bundle's modules for every workflow: the index builds every zod schema.
              name: '@enrich/domain',
              message: "Workflows import domain types from '@enrich/domain' and values from '@enrich/domain/workflow' (no zod, no phone metadata).",
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.spec.ts'],
    rules: { '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: true, allow: [], depConstraints: specDepConstraints }] },
  },
];
