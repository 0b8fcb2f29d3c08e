/**
 * `tsx scripts/bench/compare-bundles.ts BEFORE_CDK_OUT AFTER_CDK_OUT`: every function of both
 * synthesized stacks side by side, its handler file's size and the whole asset's (source maps left
 * out), and its cold init, before and after, alternately in one run (fresh Node processes, the
 * function's environment, BENCH_INITS each, default 5) so that a loaded machine slows both alike:
 * the ratio is the figure to read. `BENCH_AS_LAMBDA=1` sets AWS_EXECUTION_ENV as Lambda does, so
 * Powertools Tracer is enabled as on AWS (it stays off locally). `BENCH_FUNCTIONS` (a regular
 * expression) picks functions by logical id.
 */
import { readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSynthesizedStack } from '../../packages/local-stack/src/cloudformation/cloud-assembly';
import { IntrinsicResolver } from '../../packages/local-stack/src/cloudformation/intrinsics';
import { coldInit, handlerFile } from './bundles';
import { markdownTable, median } from './stats';

interface FunctionCode {
  file: string;
  exportName: string;
  assetBytes: number;
  environment: Record<string, string>;
}

const REGION = 'us-east-1';

function assetBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.endsWith('.map'))
    .reduce((sum, entry) => sum + statSync(path.join(entry.parentPath, entry.name)).size, 0);
}

async function functionsOf(outdir: string): Promise<Map<string, FunctionCode>> {
  const stack = await readSynthesizedStack(outdir);
  const resolver = new IntrinsicResolver(stack.template, {
    stackName: stack.stackName,
    region: REGION,
    accountId: '000000000000',
  });
  // Values a handler parses at init: a queue's URL, the WebSocket API's endpoint.
  for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
    if (resource.Type === 'AWS::SQS::Queue')
      resolver.register(logicalId, { ref: `https://sqs.${REGION}.amazonaws.com/000000000000/${logicalId}` });
    if (resource.Type === 'AWS::ApiGatewayV2::Api')
      resolver.register(logicalId, {
        ref: logicalId,
        attributes: { ApiEndpoint: `wss://${logicalId.toLowerCase()}.execute-api.${REGION}.amazonaws.com` },
      });
  }
  const functions = new Map<string, FunctionCode>();
  for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const props = resolver.resolve(resource.Properties ?? {}) as {
      Handler?: string;
      Code?: { S3Key?: string };
      Environment?: { Variables?: Record<string, unknown> };
    };
    const codeDir = props.Code?.S3Key ? stack.assetPaths.get(path.basename(props.Code.S3Key)) : undefined;
    if (!codeDir || !props.Handler) continue;
    const environment: Record<string, string> = {
      ...(process.env.PATH ? { PATH: process.env.PATH } : {}),
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_LAMBDA_FUNCTION_NAME: logicalId,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      ...(process.env.BENCH_AS_LAMBDA ? { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' } : {}),
    };
    for (const [key, value] of Object.entries(props.Environment?.Variables ?? {})) environment[key] = String(value);
    functions.set(logicalId, {
      file: handlerFile(codeDir, props.Handler),
      exportName: props.Handler.slice(props.Handler.lastIndexOf('.') + 1),
      assetBytes: assetBytes(codeDir),
      environment,
    });
  }
  return functions;
}

const [beforeDir, afterDir] = process.argv.slice(2);
if (!beforeDir || !afterDir) throw new Error('usage: compare-bundles.ts BEFORE_CDK_OUT AFTER_CDK_OUT');
const inits = Number(process.env.BENCH_INITS ?? 5);
/** `BENCH_FUNCTIONS=Submit|Email`: only the functions whose logical id matches. */
const only = new RegExp(process.env.BENCH_FUNCTIONS ?? '');
const [before, after] = await Promise.all([functionsOf(beforeDir), functionsOf(afterDir)]);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const rows: string[][] = [];
const ratios: number[] = [];
const startedAt = new Date();
const load = os.loadavg().map((n) => n.toFixed(1));
for (const [logicalId, next] of after) {
  const previous = before.get(logicalId);
  if (!previous || !only.test(logicalId)) continue;
  const times = { before: [] as number[], after: [] as number[] };
  for (let i = 0; i < inits; i++) {
    times.before.push(await coldInit(previous.file, previous.exportName, previous.environment));
    times.after.push(await coldInit(next.file, next.exportName, next.environment));
  }
  const [was, now] = [median(times.before), median(times.after)];
  ratios.push(now / was);
  rows.push([
    logicalId,
    `${kb(statSync(previous.file).size)} → ${kb(statSync(next.file).size)}`,
    `${kb(previous.assetBytes)} → ${kb(next.assetBytes)}`,
    `${Math.round(was)} → ${Math.round(now)} ms`,
    `×${(now / was).toFixed(2)}`,
  ]);
  process.stderr.write('.');
}
rows.sort((a, b) => a[0]!.localeCompare(b[0]!));
console.log(
  `\n${startedAt.toISOString()}, load average ${load.join(' ')} → ${os
    .loadavg()
    .map((n) => n.toFixed(1))
    .join(
      ' ',
    )}; init = median of ${inits} alternate cold imports${process.env.BENCH_AS_LAMBDA ? ', AWS_EXECUTION_ENV set' : ''}\n`,
);
console.log(markdownTable(['function', 'handler file', 'asset (no maps)', 'init (median)', 'init ratio'], rows));
console.log(`\nmedian init ratio over ${ratios.length} functions: ×${median(ratios).toFixed(2)}`);
