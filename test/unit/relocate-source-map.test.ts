import path from 'node:path';
import { relocateSourceMap } from '../../lib/constructs/relocate-source-map';

const sourcesOf = (map: string) => (JSON.parse(map) as { sources: string[] }).sources;

describe('relocateSourceMap', () => {
  const from = '/tmp/bundles-1/handler-3';
  const to = '/work/app/cdk.out/bundling-temp-abc';
  const esbuildMap = (sources: string[]) =>
    `{\n  "version": 3,\n  "sources": [${sources.map((s) => JSON.stringify(s)).join(', ')}],\n  "mappings": ";AAAA",\n  "names": []\n}\n`;

  it('points every source at the same file from the new folder, in esbuild’s own layout', () => {
    const sources = ['../../../work/app/lambdas/api/get-job.ts', '../../../work/app/node_modules/zod/index.js'];
    const moved = relocateSourceMap(esbuildMap(sources), from, to);
    expect(sourcesOf(moved).map((source) => path.resolve(to, source))).toEqual(
      sources.map((source) => path.resolve(from, source)),
    );
    expect(sourcesOf(moved)).toEqual(['../../lambdas/api/get-job.ts', '../../node_modules/zod/index.js']);
    expect(moved).toBe(esbuildMap(['../../lambdas/api/get-job.ts', '../../node_modules/zod/index.js']));
  });

  it('moves the sources of a map in another layout too, keeping the rest', () => {
    const map = JSON.stringify({ version: 3, sources: ['../a.ts'], mappings: 'AAAA', names: ['x'] });
    const moved = JSON.parse(relocateSourceMap(map, '/x/y', '/x/z/w')) as Record<string, unknown>;
    expect(moved).toEqual({ version: 3, sources: ['../../a.ts'], mappings: 'AAAA', names: ['x'] });
  });
});
