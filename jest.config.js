/** Jest runs in native ESM mode because @middy/core 7 and fauxqs are ESM-only. */
const base = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  modulePathIgnorePatterns: ['<rootDir>/cdk.out', '/cdk.out/'],
};

/**
 * Which project runs a test file, by folder (ending in /) or file. `unit` needs no emulators and
 * no global setup: `npm run test:unit` runs it in seconds. `cdk` synthesizes the stack a few times
 * (tens of seconds), with no emulators either. `emulators` is everything else, the workspace
 * packages' tests included, with the local stack the global setup starts once.
 */
const UNIT = [
  'test/unit/',
  'packages/local-stack/test/units.test.ts',
  'packages/local-stack/test/authorizers.test.ts',
  'packages/local-stack/test/request-validation.test.ts',
  'packages/local-stack/test/scheduled-rules.test.ts',
  'packages/local-stack/test/readme.test.ts',
  'packages/local-stack/test/dynamodb-stream-event-source.test.ts',
  'packages/local-stack/test/response-streaming.test.ts',
];
const CDK = ['test/cdk/'];
/**
 * Suites that start a local stack of their own (no global setup) and mostly wait on it: npm test
 * runs them in a second jest process beside the others (scripts/run-tests.mjs).
 */
const ISOLATED = [
  'test/reliability/',
  'test/local-stack/restart.test.ts',
  'test/package/webhook-delivery-example.test.ts',
];

const asGlob = (entry) => `<rootDir>/${entry}${entry.endsWith('/') ? '**/*.test.ts' : ''}`;
const asRegExp = (entry) => `<rootDir>/${entry.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
const project = (displayName, testMatch, excluded = [], options = {}) => ({
  ...base,
  displayName,
  testMatch,
  testPathIgnorePatterns: ['/node_modules/', ...excluded.map(asRegExp)],
  ...options,
});

export default {
  // One entry per project; every test file belongs to exactly one of them.
  projects: [
    project('unit', UNIT.map(asGlob)),
    project('cdk', CDK.map(asGlob)),
    project('isolated', ISOLATED.map(asGlob)),
    project(
      'emulators',
      ['<rootDir>/test/**/*.test.ts', '<rootDir>/packages/*/test/**/*.test.ts'],
      [...UNIT, ...CDK, ...ISOLATED],
      {
        globalSetup: '<rootDir>/test/support/global-setup.mjs',
        globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
      },
    ),
  ],
  testTimeout: 60_000,
};
