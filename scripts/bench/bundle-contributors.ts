/**
 * `tsx scripts/bench/bundle-contributors.ts`: what fills each function's bundle. Rebuilds every
 * handler of cdk.out with esbuild's metafile (the same options the stack bundles with: ESM,
 * node24, minified, ES module builds first, everything bundled) and prints the output bytes by package or source folder.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const HANDLER_FOLDERS = /(^|\/)lambdas\/(api|consumers|realtime|scheduled|streams|tokens)\/[^/]+\.ts$/;

function groupOf(input: string): string {
  const modules = input.lastIndexOf('node_modules/');
  if (modules < 0) return input.split('/').slice(0, 2).join('/');
  const [first = '', second = ''] = input.slice(modules + 'node_modules/'.length).split('/');
  return first.startsWith('@') ? `${first}/${second}` : first;
}

const totals = new Map<string, number>();
for (const asset of readdirSync('cdk.out').filter((name) => name.startsWith('asset.'))) {
  let sources: string[];
  try {
    sources = (JSON.parse(readFileSync(path.join('cdk.out', asset, 'index.mjs.map'), 'utf8')) as { sources: string[] })
      .sources;
  } catch {
    continue;
  }
  const entry = sources
    .map((source) => path.normalize(path.join('cdk.out', asset, source)))
    .filter((s) => HANDLER_FOLDERS.test(s))
    .pop();
  if (!entry) continue;
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    mainFields: ['module', 'main'],
    metafile: true,
    write: false,
    outfile: 'out.mjs',
    logLevel: 'silent',
  });
  const output = Object.values(result.metafile.outputs)[0]!;
  const byGroup = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const group = groupOf(input);
    byGroup.set(group, (byGroup.get(group) ?? 0) + bytesInOutput);
    totals.set(group, (totals.get(group) ?? 0) + bytesInOutput);
  }
  const top = [...byGroup].sort((a, b) => b[1] - a[1]).slice(0, 8);
  console.log(`\n${entry} (${(output.bytes / 1024).toFixed(0)} KB)`);
  for (const [group, bytes] of top) console.log(`  ${(bytes / 1024).toFixed(0).padStart(5)} KB  ${group}`);
}
console.log('\nAll bundles together, by contributor:');
for (const [group, bytes] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, 15))
  console.log(`  ${(bytes / 1024).toFixed(0).padStart(6)} KB  ${group}`);
