// Shared jest settings: every project's jest.config.cjs is `require('../../jest.preset.cjs').project(__dirname)`.
// Sources are compiled by swc (type checking is the `typecheck` target's job) and workspace libs resolve
// to their TypeScript sources through the `@enrich/source` export condition.
const path = require('node:path');

const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

/**
 * `stack: true` for a project whose suites run on real services: its jest global setup brings up
 * the test stack and mock-enrichment when the run was not given them (tools/jest/global-setup.cjs).
 */
exports.project = (dir, { stack = false } = {}) => ({
  displayName: require(path.join(dir, 'package.json')).name,
  rootDir: dir,
  testEnvironment: 'node',
  testEnvironmentOptions: { customExportConditions: ['@enrich/source', 'node', 'require', 'default'] },
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: { '^.+\\.(ts|mjs|js)$': swc },
  // Prisma's generated client and runtime ship ESM (.mjs), and @platformatic/kafka is ESM only: jest must transform them.
  transformIgnorePatterns: ['/node_modules/(?!(@prisma/client/runtime/|@platformatic/|.*\\.mjs$))'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  // Sources written for Node's ESM-style resolution import './x.js' for './x.ts'.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  coverageDirectory: path.join(__dirname, 'coverage', path.relative(__dirname, dir)),
  // Integration suites share one Temporal dev server and one PostgreSQL started by tools/test.sh,
  // or by the global setup when the project is tested on its own.
  ...(stack ? { globalSetup: path.join(__dirname, 'tools/jest/global-setup.cjs') } : {}),
  testTimeout: 60_000,
});
