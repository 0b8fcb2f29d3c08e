import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isSynthesizedFrom, recordSynthesis, sourceFingerprint } from './synth-fingerprint';
import type { CfnTemplate } from './template';

/** One stack of a synthesized cloud assembly (cdk.out). */
export interface SynthesizedStack {
  stackName: string;
  template: CfnTemplate;
  outdir: string;
  /** Asset object key ("<hash>.zip") → absolute path of the asset folder in cdk.out. */
  assetPaths: Map<string, string>;
}

interface ManifestArtifact {
  type: string;
  displayName?: string;
  dependencies?: string[];
  properties?: { templateFile?: string; stackName?: string; file?: string };
}

/** The app command from cdk.json and the context a synthesis gets, as the CDK CLI assembles it. */
async function synthesisInput(
  appDir: string,
  extraContext: Record<string, string>,
): Promise<{ app: string; context: Record<string, unknown> }> {
  const cdkJson = JSON.parse(await readFile(path.join(appDir, 'cdk.json'), 'utf8')) as {
    app?: string;
    context?: Record<string, unknown>;
  };
  if (!cdkJson.app) throw new Error(`${path.join(appDir, 'cdk.json')} has no "app" command`);
  const contextFile = path.join(appDir, 'cdk.context.json');
  const savedContext = existsSync(contextFile)
    ? (JSON.parse(await readFile(contextFile, 'utf8')) as Record<string, unknown>)
    : {};
  const context = {
    'aws:cdk:enable-asset-metadata': true,
    'aws:cdk:version-reporting': false,
    ...savedContext,
    ...cdkJson.context,
    ...extraContext,
  };
  return { app: cdkJson.app, context };
}

/**
 * Runs the CDK app the way the CDK CLI does (the `app` command from cdk.json with
 * CDK_OUTDIR and CDK_CONTEXT_JSON), without needing the CLI or an AWS account. With
 * `onlyIfChanged`, it does not when cdk.out was synthesized by the local stack from the same
 * sources and context (see synth-fingerprint.ts); resolves with whether it ran the app.
 */
export async function synthesize(
  appDir: string,
  outdir: string,
  extraContext: Record<string, string> = {},
  { onlyIfChanged = false }: { onlyIfChanged?: boolean } = {},
): Promise<boolean> {
  const { app, context } = await synthesisInput(appDir, extraContext);
  const fingerprint = await sourceFingerprint(appDir, outdir, context);
  if (onlyIfChanged && (await isSynthesizedFrom(outdir, fingerprint))) return false;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(app, {
      cwd: appDir,
      shell: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
    });
    let output = '';
    const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`CDK app \`${app}\` failed (exit ${code}):\n${output}`)),
    );
  });
  await recordSynthesis(outdir, fingerprint);
  return true;
}

/** Reads manifest.json, picks the stack artifact and loads its template and asset locations. */
export async function readSynthesizedStack(outdir: string, stackName?: string): Promise<SynthesizedStack> {
  const manifestFile = path.join(outdir, 'manifest.json');
  if (!existsSync(manifestFile))
    throw new Error(`${manifestFile} not found: synthesize the CDK app first (or pass synth: true)`);
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { artifacts?: Record<string, ManifestArtifact> };
  const artifacts = manifest.artifacts ?? {};
  const stacks = Object.entries(artifacts).filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack');
  const chosen = stackName
    ? stacks.find(([id, a]) => id === stackName || a.properties?.stackName === stackName || a.displayName === stackName)
    : stacks[0];
  if (!chosen) {
    const names = stacks.map(([id]) => id).join(', ') || 'none';
    throw new Error(`Stack ${stackName ?? ''} not found in ${manifestFile} (stacks: ${names})`);
  }
  const [artifactId, artifact] = chosen;
  const template = JSON.parse(
    await readFile(path.join(outdir, artifact.properties!.templateFile!), 'utf8'),
  ) as CfnTemplate;

  const assetPaths = new Map<string, string>();
  for (const dependency of artifact.dependencies ?? []) {
    const dep = artifacts[dependency];
    if (dep?.type !== 'cdk:asset-manifest' || !dep.properties?.file) continue;
    const assets = JSON.parse(await readFile(path.join(outdir, dep.properties.file), 'utf8')) as {
      files?: Record<string, { source: { path?: string }; destinations?: Record<string, { objectKey?: string }> }>;
    };
    for (const [hash, asset] of Object.entries(assets.files ?? {})) {
      if (!asset.source.path) continue;
      const location = path.resolve(outdir, asset.source.path);
      assetPaths.set(`${hash}.zip`, location);
      for (const destination of Object.values(asset.destinations ?? {})) {
        if (destination.objectKey) assetPaths.set(path.basename(destination.objectKey), location);
      }
    }
  }
  return { stackName: artifact.properties?.stackName ?? artifactId, template, outdir, assetPaths };
}
