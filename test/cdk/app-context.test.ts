/**
 * `cdk deploy -c key=value` reaches the stack: bin/app.ts run as the CDK CLI runs it (context in
 * CDK_CONTEXT_JSON, the assembly in CDK_OUTDIR), without bundling, and its template read back.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

type Resource = { Type: string; Properties: Record<string, unknown> };

function synthWithContext(context: Record<string, string>) {
  const outdir = mkdtempSync(path.join(tmpdir(), 'app-context-'));
  try {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ ...context, 'aws:cdk:bundling-stacks': [] }),
      },
      encoding: 'utf8',
    });
    if (run.status !== 0) return { error: run.stderr };
    const template = JSON.parse(readFileSync(path.join(outdir, 'ServerlessJobs.template.json'), 'utf8')) as {
      Resources: Record<string, Resource>;
    };
    return { resources: Object.values(template.Resources) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

test('listingShards, dueShards and streamParallelizationFactor from context reach the functions and mappings', () => {
  const { resources = [], error } = synthWithContext({
    listingShards: '32',
    dueShards: '24',
    streamParallelizationFactor: '3',
  });
  expect(error).toBeUndefined();
  const told = resources
    .filter((r) => r.Type === 'AWS::Lambda::Function')
    .map((r) => (r.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {})
    .filter((variables) => variables.JOBS_TABLE_NAME)
    .map((variables) => [variables.JOBS_LISTING_SHARDS, variables.JOBS_DUE_SHARDS]);
  expect(told.length).toBeGreaterThan(0);
  for (const shards of told) expect(shards).toEqual(['32', '24']);
  const streamMappings = resources.filter(
    (r) =>
      r.Type === 'AWS::Lambda::EventSourceMapping' &&
      (r.Properties.EventSourceArn as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt']?.[1] === 'StreamArn',
  );
  expect(streamMappings.map((m) => m.Properties.ParallelizationFactor)).toEqual([3, 3]);
});

test('a count outside its bounds fails the synthesis, naming the setting', () => {
  expect(synthWithContext({ listingShards: '0' }).error).toContain(
    'indexShards.listing must be a whole number from 1 to 100, got 0',
  );
  expect(synthWithContext({ streamParallelizationFactor: 'many' }).error).toContain(
    'streamParallelizationFactor must be a whole number from 1 to 10, got NaN',
  );
});
