import type { WorkerOptions } from '@temporalio/worker';

/**
 * Bundler options for workers that load workflows from TypeScript sources (tests): workspace libs
 * must resolve through their `@enrich/source` export condition, as they do under jest.
 */
export const sourceBundlerOptions: NonNullable<WorkerOptions['bundlerOptions']> = {
  webpackConfigHook: (config) => {
    config.resolve = { ...config.resolve, conditionNames: ['@enrich/source', 'require', 'module', 'default'] };
    return config;
  },
};
