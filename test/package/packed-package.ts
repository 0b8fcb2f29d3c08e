/**
 * The package as npm would publish it: `npm pack` of the repository root, built first when dist/ is
 * missing or older than a source file it is built from (`npm test` builds it before the tests).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BUILT_FROM = ['src', 'lib', 'bin/jobsctl.ts', 'package.json', 'tsdown.config.ts'];

function newestModification(entry: string): number {
  const stats = statSync(entry);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(stats.mtimeMs, ...readdirSync(entry).map((child) => newestModification(path.join(entry, child))));
}

async function ensureBuilt(): Promise<void> {
  const built = path.join(ROOT, 'dist/cdk.js');
  const sources = Math.max(...BUILT_FROM.map((entry) => newestModification(path.join(ROOT, entry))));
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  await run('npm', ['run', 'build'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
}

export interface PackedPackage {
  /** Absolute path of the .tgz. */
  readonly tarball: string;
  /** Bytes of the .tgz. */
  readonly size: number;
  readonly unpackedSize: number;
  /** Every path in the tarball, relative to the package root. */
  readonly files: readonly string[];
}

/** `npm pack` into `destination`; lifecycle scripts are skipped (dist/ is built above, once). */
export async function packPackage(destination: string, workspace?: string): Promise<PackedPackage> {
  await ensureBuilt();
  const { stdout } = await run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', destination, ...(workspace ? ['-w', workspace] : [])],
    { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
  );
  const [report] = JSON.parse(stdout) as {
    filename: string;
    size: number;
    unpackedSize: number;
    files: { path: string }[];
  }[];
  if (!report) throw new Error(`npm pack printed no report: ${stdout}`);
  return {
    tarball: path.join(destination, report.filename),
    size: report.size,
    unpackedSize: report.unpackedSize,
    files: report.files.map((file) => file.path),
  };
}
