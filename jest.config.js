/**
 * CDK's built-in CloudFormation validation (a WebAssembly schema check on every synthesis) took
 * half the CPU of the CDK tests. Here it is off for the tests and the apps they synthesize, unless
 * asked for (CDK_VALIDATION=true): npm test's `cdk synth` of this app validates its template (with
 * the cdk.json flag that makes a violation fail the synthesis), and test/cdk/template-validation.test.ts
 * validates the stack in process.
 */
process.env.CDK_VALIDATION ??= 'false';

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
 * packages' tests included, with the local stack the global setup starts once. `isolated` and
 * `apps` (below) bring their own stacks: npm test runs them in jest processes of their own beside
 * the others (scripts/run-tests.mjs), so that the in-band `emulators` chain stays short.
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
  'packages/local-stack/test/fauxqs-retention.test.ts',
  'packages/local-stack/test/usage-plans-persistence.test.ts',
];
const CDK = ['test/cdk/'];
/**
 * Suites that start a local stack (or emulators) of their own on this repository's cdk.out, with no
 * global setup, and mostly wait on it: visibility timeouts after a kill or an injected crash,
 * settling runs, start-up.
 */
const ISOLATED = [
  'test/reliability/',
  'test/local-stack/start-local.test.ts',
  'test/bench/bench-harness.test.ts',
  'packages/local-stack/test/emulators.test.ts',
];
/**
 * The restart without loss: a stack of its own killed mid-run, which then mostly waits out the
 * queues' visibility timeouts (up to 6 minutes) for the messages in flight at the kill; a jest
 * process of its own, so that waiting overlaps the other suites' work.
 */
const RESTART = ['test/local-stack/restart.test.ts'];
/**
 * Suites that synthesize and run CDK apps of their own (the webhook example from the packed
 * tarball, the local stack package's fixture apps), each with emulators of its own.
 */
const APPS = [
  'test/package/webhook-delivery-example.test.ts',
  'packages/local-stack/test/local-stack.test.ts',
  'packages/local-stack/test/orders-app.test.ts',
  'packages/local-stack/test/websocket-api.test.ts',
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
    project('restart', RESTART.map(asGlob)),
    project('apps', APPS.map(asGlob)),
    project(
      'emulators',
      ['<rootDir>/test/**/*.test.ts', '<rootDir>/packages/*/test/**/*.test.ts'],
      [...UNIT, ...CDK, ...ISOLATED, ...RESTART, ...APPS],
      {
        globalSetup: '<rootDir>/test/support/global-setup.mjs',
        globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
      },
    ),
  ],
  testTimeout: 60_000,
};
