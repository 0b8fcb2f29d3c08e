/**
 * The tarball npm would publish: what it holds, and what the two well-kept checkers say of it.
 * publint checks package.json against the packed files (exports, bin, files, types); arethetypeswrong
 * resolves every entry point's types as TypeScript would for a consumer (node16 ESM and bundlers;
 * the package is ESM only, so CommonJS and node10 resolution are out of scope: `--profile esm-only`).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { packPackage, ROOT, type PackedPackage } from './packed-package';

const run = promisify(execFile);
const scratch = mkdtempSync(path.join(tmpdir(), 'serverless-jobs-pack-'));
let packed: PackedPackage;

beforeAll(async () => {
  packed = await packPackage(scratch);
}, 300_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test('it holds the built entry points, the sources the construct bundles, and nothing of the repository’s own', () => {
  const { files } = packed;
  for (const entry of ['index', 'cdk', 'job-types']) {
    expect(files).toContain(`dist/${entry}.js`);
    expect(files).toContain(`dist/${entry}.d.ts`);
  }
  expect(files).toEqual(
    expect.arrayContaining([
      'bin/jobsctl.mjs',
      'dist/jobsctl.js',
      'lambdas/consumers/job-consumer.ts',
      'src/job-types/api.ts',
      'src/job-types/index.ts',
      'web/dashboard/app.ts',
      'README.md',
      'package.json',
    ]),
  );
  const foreign = files.filter((file) => /^(test|scripts|packages|examples|docs|cdk\.out|node_modules)\//.test(file));
  expect(foreign).toEqual([]);
  expect(files.filter((file) => file.endsWith('.test.ts'))).toEqual([]);
});

test('its package.json names the peers a CDK app brings and points every export into dist/', () => {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    private?: boolean;
    exports: Record<string, unknown>;
    peerDependencies: Record<string, string>;
    dependencies: Record<string, string>;
  };
  expect(manifest.private).toBeUndefined();
  expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['aws-cdk-lib', 'constructs', 'esbuild', 'zod']);
  for (const peer of Object.keys(manifest.peerDependencies)) expect(manifest.dependencies).not.toHaveProperty(peer);
  expect(manifest.exports['./cdk']).toEqual({ types: './dist/cdk.d.ts', default: './dist/cdk.js' });
});

test('publint finds nothing to report, warnings counted as errors', async () => {
  const { messages, pkg } = await publint({
    pack: { tarball: readFileSync(packed.tarball).buffer as ArrayBuffer },
    level: 'suggestion',
    strict: true,
  });
  expect(messages.map((message) => `${message.type}: ${formatMessage(message, pkg) ?? message.code}`)).toEqual([]);
});

test('arethetypeswrong resolves every entry point’s types for node16 ESM and bundlers', async () => {
  const attw = path.join(ROOT, 'node_modules/@arethetypeswrong/cli/dist/index.js');
  const outcome = await run(process.execPath, [attw, packed.tarball, '--profile', 'esm-only', '--format', 'json'], {
    maxBuffer: 16 * 1024 * 1024,
  }).then(
    ({ stdout }) => ({ exitCode: 0, stdout }),
    (error: { code?: number; stdout?: string }) => ({ exitCode: error.code ?? 1, stdout: error.stdout ?? '' }),
  );
  const report = JSON.parse(outcome.stdout) as { analysis: { problems: { kind: string; resolutionKind?: string }[] } };
  const outOfProfile = new Set(['node10', 'node16-cjs']);
  const problems = report.analysis.problems.filter((problem) => !outOfProfile.has(problem.resolutionKind ?? ''));
  expect(problems).toEqual([]);
  expect(outcome.exitCode).toBe(0);
});
