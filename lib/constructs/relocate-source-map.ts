import path from 'node:path';

/**
 * A source map moved from one folder to another: its sources are relative to its own folder.
 * Only the `sources` list is rewritten, in esbuild's own layout, so that the map is byte for byte
 * the one esbuild writes there (the asset's hash, hence what a deployment updates, stays the same).
 */
export function relocateSourceMap(map: string, from: string, to: string): string {
  const parsed = JSON.parse(map) as { sources: string[] };
  const moved = parsed.sources.map((source) => path.relative(to, path.resolve(from, source)));
  const list = (paths: string[]) => `"sources": [${paths.map((source) => JSON.stringify(source)).join(', ')}]`;
  const at = map.indexOf(list(parsed.sources));
  if (at === -1) return JSON.stringify({ ...parsed, sources: moved });
  return map.slice(0, at) + list(moved) + map.slice(at + list(parsed.sources).length);
}
