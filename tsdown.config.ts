import { defineConfig } from 'tsdown';

/**
 * The published package's JavaScript and declarations (dist/): one ES module per entry point,
 * shared code in common chunks (so `serverless-jobs/cdk` and `serverless-jobs/job-types` hold one
 * copy of each class), dependencies and peer dependencies left as imports. The Lambda handlers are
 * not built here: the construct bundles their sources at the user's synth time, with the user's
 * registry in place of `#job-types`.
 */
export default defineConfig({
  entry: {
    index: 'src/client/index.ts',
    cdk: 'lib/jobs-platform.ts',
    'job-types': 'src/job-types/api.ts',
    jobsctl: 'bin/jobsctl.ts',
  },
  format: 'esm',
  platform: 'node',
  target: 'node24',
  outDir: 'dist',
  tsconfig: 'tsconfig.build.json',
  dts: true,
  fixedExtension: false,
  hash: false,
  clean: true,
  sourcemap: false,
});
