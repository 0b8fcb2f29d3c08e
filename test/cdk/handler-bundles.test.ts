import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JobFunction } from '../../lib/constructs/job-function';

/**
 * Every JobFunction's handler is bundled in one esbuild run with the others (handler-bundles.ts).
 * What a function deploys must not change for it: the same files, byte for byte, as NodejsFunction
 * writes bundling that function alone with the same settings, so the same asset hash.
 */
interface BundledAsset {
  readonly hash: string;
  readonly files: Record<string, Buffer>;
}

function synthesizeFunction(entry: string, alone: boolean): BundledAsset {
  const outdir = mkdtempSync(path.join(tmpdir(), 'handler-bundles-test-'));
  try {
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bundled');
    const fn = new JobFunction(stack, 'Function', {
      entry,
      logRetention: RetentionDays.ONE_DAY,
      removalPolicy: RemovalPolicy.DESTROY,
      // Options of its own take a function out of the shared build: NodejsFunction bundles it alone.
      ...(alone ? { bundling: {} } : {}),
    });
    const assembly = app.synth();
    const template = assembly.getStackByName('Bundled').template as {
      Resources: Record<string, { Properties: { Code: { S3Key: string } } }>;
    };
    const key = template.Resources[stack.getLogicalId(fn.node.defaultChild as never)]!.Properties.Code.S3Key;
    const hash = key.replace(/\.zip$/, '');
    const assetDir = path.join(outdir, `asset.${hash}`);
    const files = Object.fromEntries(
      readdirSync(assetDir).map((file) => [file, readFileSync(path.join(assetDir, file))]),
    );
    return { hash, files };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Where two files first differ, with what each holds there, or undefined when they are the same. */
function firstDifference(shared: Buffer, alone: Buffer): string | undefined {
  if (shared.equals(alone)) return undefined;
  let at = 0;
  while (at < shared.length && shared[at] === alone[at]) at++;
  const around = (file: Buffer) => JSON.stringify(file.subarray(Math.max(0, at - 60), at + 60).toString());
  return `sizes ${shared.length} / ${alone.length}, first difference at byte ${at}: shared ${around(shared)}, alone ${around(alone)}`;
}

describe('JobFunction bundling: one esbuild run for every handler', () => {
  it.each(['lambdas/api/get-job.ts', 'lambdas/tokens/authorize.ts'])(
    '%s deploys the same bytes as NodejsFunction bundling it alone',
    (entry) => {
      const shared = synthesizeFunction(entry, false);
      const alone = synthesizeFunction(entry, true);
      expect(Object.keys(shared.files).sort()).toEqual(['index.mjs', 'index.mjs.map']);
      expect(Object.keys(alone.files).sort()).toEqual(['index.mjs', 'index.mjs.map']);
      expect(firstDifference(shared.files['index.mjs']!, alone.files['index.mjs']!)).toBeUndefined();
      expect(firstDifference(shared.files['index.mjs.map']!, alone.files['index.mjs.map']!)).toBeUndefined();
      expect(shared.hash).toBe(alone.hash);
    },
  );
});
