/**
 * Each function's bundle (the synthesized asset the template points at) and its init time: the
 * handler module's import, median of several cold starts, each in a fresh Node process with the
 * function's environment and the runtime's NODE_OPTIONS (e.g. --enable-source-maps).
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { median } from './stats';

/** Issue 11's targets for every function: a bundle of at most 250 KB, an init phase of at most 50 ms. */
export const BUNDLE_TARGET_BYTES = 250 * 1024;
export const INIT_TARGET_MS = 50;

/** The figure against its target, e.g. "×2.9 of 250 KB". */
export function ofTarget(value: number, target: number, unit: string): string {
  return `×${(value / target).toFixed(2)} of ${target >= 1024 ? `${target / 1024} KB` : `${target} ${unit}`}`;
}

export interface BundleRow {
  logicalId: string;
  bundleBytes: number;
  gzipBytes: number;
  initMs: number[];
  medianInitMs: number;
}

/** The handler's file in its code folder: `index.handler` → index.mjs (or .js / .cjs). */
export function handlerFile(codeDir: string, handler: string): string {
  const base = handler.slice(0, handler.lastIndexOf('.'));
  for (const extension of ['.mjs', '.js', '.cjs']) {
    const file = path.join(codeDir, base + extension);
    try {
      if (statSync(file).isFile()) return file;
    } catch {
      // try the next extension
    }
  }
  throw new Error(`no handler file for ${handler} in ${codeDir}`);
}

// The Lambda runtime defines its response-streaming globals before any handler loads; a streaming
// handler calls awslambda.streamifyResponse at its top level. Only the import is timed here.
const MEASURE_IMPORT = `
globalThis.awslambda ??= { streamifyResponse: (handler) => handler, HttpResponseStream: { from: (stream) => stream } };
const startedAt = performance.now();
import(process.env.BENCH_HANDLER_URL).then((module) => {
  const ms = performance.now() - startedAt;
  if (typeof module[process.env.BENCH_HANDLER_EXPORT] !== 'function') throw new Error('handler export missing');
  process.stdout.write(String(ms));
  process.exit(0);
});`;

/** One cold import of the handler module in a fresh Node process, in ms. */
export function coldInit(file: string, exportName: string, environment: Record<string, string>): Promise<number> {
  const nodeOptions = (environment.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeOptions, '--input-type=commonjs', '-e', MEASURE_IMPORT], {
    env: {
      ...environment,
      NODE_OPTIONS: '',
      BENCH_HANDLER_URL: pathToFileURL(file).href,
      BENCH_HANDLER_EXPORT: exportName,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0 && out
        ? resolve(Number(out))
        : reject(new Error(`init of ${file} failed (${code}): ${err.slice(0, 500)}`)),
    ),
  );
}

export async function measureBundles(
  functions: Record<string, { codeDir: string; handler: string; environment: Record<string, string> }>,
  coldStarts: number,
): Promise<BundleRow[]> {
  const rows: BundleRow[] = [];
  for (const [logicalId, fn] of Object.entries(functions)) {
    const file = handlerFile(fn.codeDir, fn.handler);
    const code = readFileSync(file);
    const initMs: number[] = [];
    for (let i = 0; i < coldStarts; i++)
      initMs.push(await coldInit(file, fn.handler.slice(fn.handler.lastIndexOf('.') + 1), fn.environment));
    rows.push({
      logicalId,
      bundleBytes: code.length,
      gzipBytes: gzipSync(code).length,
      initMs,
      medianInitMs: median(initMs),
    });
  }
  return rows.sort((a, b) => b.bundleBytes - a.bundleBytes);
}
