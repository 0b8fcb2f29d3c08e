/**
 * Whether cdk.out still holds what a synthesis would write now: a fingerprint of the app's sources
 * (the files `cdk watch` watches), its cdk.json, saved context and lock file, the app command and
 * the context passed, recorded in cdk.out after each synthesis the local stack ran. Synthesis
 * bundles every function (tens of seconds); reading the fingerprint takes milliseconds.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Where the fingerprint of the sources cdk.out was synthesized from is kept. */
const FINGERPRINT_FILE = 'local-stack-synth.json';
const LOCK_FILES = ['package-lock.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lockb'];

interface CdkJson {
  app?: string;
  watch?: { include?: string | string[]; exclude?: string | string[] };
}

/**
 * A hash of everything a synthesis reads that the local stack can see: the contents of the files
 * cdk.json's `watch` names (default: every file of the app folder; always without dot files,
 * node_modules and the output folder), cdk.json, cdk.context.json, the nearest lock file (the
 * installed dependencies), the app command, the context and the Node version. Environment
 * variables the app reads are not in it.
 */
export async function sourceFingerprint(
  appDir: string,
  outdir: string,
  context: Record<string, unknown>,
): Promise<string> {
  const cdkJson = JSON.parse(await readFile(path.join(appDir, 'cdk.json'), 'utf8')) as CdkJson;
  const include = [cdkJson.watch?.include ?? '**'].flat();
  const exclude = [cdkJson.watch?.exclude ?? []].flat();
  const outputFolder = path.relative(appDir, outdir);
  const files: string[] = [];
  const walk = async (relativeDir: string): Promise<void> => {
    for (const entry of await readdir(path.join(appDir, relativeDir), { withFileTypes: true })) {
      const relative = path.join(relativeDir, entry.name);
      // What `cdk watch` never watches, whatever cdk.json says: dot files and folders, node_modules.
      if (relative === outputFolder || entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) await walk(relative);
      else if (
        entry.isFile() &&
        include.some((glob) => path.matchesGlob(relative, glob)) &&
        !exclude.some((glob) => path.matchesGlob(relative, glob))
      )
        files.push(relative);
    }
  };
  await walk('');
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ app: cdkJson.app, context, node: process.version }));
  const lockFile = nearestLockFile(appDir);
  for (const file of [...files.sort(), 'cdk.json', 'cdk.context.json', ...(lockFile ? [lockFile] : [])]) {
    const absolute = path.resolve(appDir, file);
    if (!existsSync(absolute)) continue;
    hash.update(`\0${file}\0`);
    hash.update(await readFile(absolute));
  }
  return hash.digest('hex');
}

/** The lock file of the app's folder or of the nearest enclosing one (a workspace's root), relative to appDir. */
function nearestLockFile(appDir: string): string | undefined {
  for (let dir = appDir; ; dir = path.dirname(dir)) {
    const found = LOCK_FILES.find((name) => existsSync(path.join(dir, name)));
    if (found) return path.relative(appDir, path.join(dir, found));
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** manifest.json's modification time: another tool's synthesis into outdir (`cdk synth`) changes it. */
async function manifestWrittenAt(outdir: string): Promise<number | undefined> {
  return (await stat(path.join(outdir, 'manifest.json')).catch(() => undefined))?.mtimeMs;
}

/** True when the last synthesis into outdir was the local stack's, from sources with this fingerprint. */
export async function isSynthesizedFrom(outdir: string, fingerprint: string): Promise<boolean> {
  const writtenAt = await manifestWrittenAt(outdir);
  if (writtenAt === undefined) return false;
  try {
    const recorded = JSON.parse(await readFile(path.join(outdir, FINGERPRINT_FILE), 'utf8')) as {
      fingerprint?: string;
      manifestWrittenAt?: number;
    };
    return recorded.fingerprint === fingerprint && recorded.manifestWrittenAt === writtenAt;
  } catch {
    return false;
  }
}

/** Records, after a synthesis succeeded, the fingerprint of the sources it read. */
export async function recordSynthesis(outdir: string, fingerprint: string): Promise<void> {
  const record = { fingerprint, manifestWrittenAt: await manifestWrittenAt(outdir) };
  await writeFile(path.join(outdir, FINGERPRINT_FILE), `${JSON.stringify(record)}\n`);
}
