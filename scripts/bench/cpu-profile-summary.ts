/**
 * `tsx scripts/bench/cpu-profile-summary.ts bench-profile/`: where the local stack's CPU went in a
 * `BENCH_PROFILE=1` run. One block per profiled thread: total sampled time and self time by
 * package or source folder, bundled (minified) frames mapped back through the bundle's source map.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const maps = new Map<string, SourceMap | undefined>();
function sourceMapOf(file: string): SourceMap | undefined {
  if (!maps.has(file)) {
    try {
      maps.set(
        file,
        new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]),
      );
    } catch {
      maps.set(file, undefined);
    }
  }
  return maps.get(file);
}

/** node_modules/@scope/name/… → @scope/name; our own sources by folder; Node internals as node:*. */
function groupOf(source: string): string {
  const modules = source.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const [first = '', second = ''] = source.slice(modules + 'node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  if (source.startsWith('node:')) return source.split('/')[0] ?? source;
  const project = /(lambdas\/[^/]+|src\/[^/]+\/?[^/]*|scripts)\//.exec(source);
  return project?.[1] ?? (source || '(program/gc/idle)');
}

function summarize(file: string): { thread: string; totalMs: number; groups: [string, number][] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMs = new Map<string, number>();
  let bundle = '';
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    if (!node) return;
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    const { url, lineNumber, columnNumber, functionName } = node.callFrame;
    let source = url;
    if (url.startsWith('file://')) {
      const filePath = fileURLToPath(url);
      if (filePath.includes('cdk.out')) bundle ||= filePath;
      const entry = sourceMapOf(filePath)?.findEntry(lineNumber, columnNumber);
      source = entry && 'originalSource' in entry ? entry.originalSource : filePath;
    }
    if (!url && ['(idle)', '(program)', '(garbage collector)'].includes(functionName)) source = functionName;
    const group = groupOf(source);
    selfMs.set(group, (selfMs.get(group) ?? 0) + ms);
  });
  const totalMs = [...selfMs].filter(([group]) => group !== '(idle)').reduce((sum, [, ms]) => sum + ms, 0);
  const thread = bundle ? path.basename(path.dirname(bundle)).slice(0, 16) : 'main';
  return { thread, totalMs, groups: [...selfMs].filter(([group]) => group !== '(idle)').sort((a, b) => b[1] - a[1]) };
}

const dir = process.argv[2] ?? 'bench-profile';
for (const name of readdirSync(dir)
  .filter((n) => n.endsWith('.cpuprofile'))
  .sort()) {
  const { thread, totalMs, groups } = summarize(path.join(dir, name));
  console.log(`\n${name} (${thread}): ${(totalMs / 1000).toFixed(1)} s of CPU samples (idle excluded)`);
  for (const [group, ms] of groups.slice(0, 12))
    console.log(
      `  ${(ms / 1000).toFixed(2).padStart(7)} s  ${((ms / totalMs) * 100).toFixed(0).padStart(3)} %  ${group}`,
    );
}
