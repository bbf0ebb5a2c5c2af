// Two projects: `unit` (pure logic, no services) and `integration` (real Elasticsearch and
// Redis, started or reused by the global setup). Type checking is `npm run typecheck`'s job,
// so ts-jest only transpiles (isolatedModules in tsconfig.json) to keep the suite fast.
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

const shared = {
  testEnvironment: '<rootDir>/test/support/node-environment.js',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  moduleFileExtensions: ['ts', 'js', 'json'],
};

module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,elastic}/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
    },
  ],
  testTimeout: 60000,
  // Two test files at a time: integration tests spend much of their time waiting on Elasticsearch,
  // Redis and sockets, so two run side by side in about half the time even on 2 cores; more
  // would starve the Elasticsearch node they share.
  maxWorkers: 2,
};
