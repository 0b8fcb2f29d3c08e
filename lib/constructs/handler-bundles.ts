import { DockerImage, type BundlingOptions, type ILocalBundling } from 'aws-cdk-lib';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { relocateSourceMap } from './relocate-source-map';

/**
 * What a bundle of this package's handlers is built with, beyond what every one has (ESM for
 * Node, everything bundled, one `index.mjs` with its map): everything else that changes its bytes.
 * Named as NodejsFunction's bundling props, which a function bundled alone gets the same values in.
 */
export interface HandlerBundleSettings {
  /** esbuild's `target`, e.g. `node24`. */
  readonly target: string;
  readonly minify: boolean;
  readonly sourcesContent: boolean;
  readonly mainFields: string[];
  /** Prepended to every bundle. */
  readonly banner: string;
}

export interface HandlerBundleOptions extends HandlerBundleSettings {
  /** `#job-types` and `serverless-jobs/job-types` → the modules they resolve to in this bundle. */
  readonly alias: Readonly<Record<string, string>>;
}

/** The part of esbuild's API used here, loaded by the first JobFunction (it is an optional peer dependency). */
interface Esbuild {
  buildSync(options: Record<string, unknown>): { warnings: unknown[] };
}

/** Handler files: the modules under lambdas/ that export the `handler` Lambda calls. */
const EXPORTS_HANDLER = /^export (?:const|async function|function) handler\b/m;

/**
 * Every handler of this package, bundled in one esbuild run per set of options.
 *
 * NodejsFunction runs esbuild once per function, and each run parses the AWS SDK, Powertools and
 * zod again: the stack's 33 runs were 19 of a cold synthesis's 24 s. esbuild given all entry
 * points at once parses each module once and writes one self-contained file per entry (no code
 * splitting: a Lambda asset is one file), byte for byte what a run of its own writes. So the first
 * function a synthesis bundles builds the whole set, and every function's asset copies its file.
 * A build is kept for the rest of the process (a synthesis reads the sources once, as CDK does),
 * one per output folder.
 */
export class HandlerBundles {
  private readonly built = new Map<string, { readonly dir: string; readonly names: Map<string, string> }>();
  private esbuild: Esbuild | undefined;

  /**
   * @param handlersDir the folder whose handler files are bundled together (lambdas/)
   */
  constructor(private readonly handlersDir: string) {}

  /**
   * A function's bundling: its entry's file from the shared build. `image` is required by the type
   * and never run: local bundling either copies the file or throws esbuild's error.
   */
  bundlingFor(entry: string, options: HandlerBundleOptions): BundlingOptions {
    const local: ILocalBundling & { readonly entry: string; readonly options: HandlerBundleOptions } = {
      // Part of the asset's cache key (CDK hashes the bundling options), so one per entry and options.
      entry,
      options,
      tryBundle: (outputDir) => {
        this.copyInto(outputDir, entry, options);
        return true;
      },
    };
    return { image: DockerImage.fromRegistry('unused-local-bundling'), local };
  }

  /** Whether esbuild can be loaded here; without it NodejsFunction's own (Docker) bundling applies. */
  available(): boolean {
    try {
      this.loadEsbuild();
      return true;
    } catch {
      return false;
    }
  }

  private loadEsbuild(): Esbuild {
    this.esbuild ??= createRequire(import.meta.url)('esbuild') as Esbuild;
    return this.esbuild;
  }

  private copyInto(outputDir: string, entry: string, options: HandlerBundleOptions): void {
    const build = this.buildAll(options, path.dirname(outputDir));
    let name = build.names.get(entry);
    if (name === undefined) {
      // Not a handler file of the folder (no exported `handler` found): a build of its own.
      name = `entry-${build.names.size}`;
      this.run(options, { [`${name}/index`]: entry }, build.dir);
      build.names.set(entry, name);
    }
    const builtDir = path.join(build.dir, name);
    copyFileSync(path.join(builtDir, 'index.mjs'), path.join(outputDir, 'index.mjs'));
    const map = readFileSync(path.join(builtDir, 'index.mjs.map'), 'utf8');
    writeFileSync(path.join(outputDir, 'index.mjs.map'), relocateSourceMap(map, builtDir, outputDir));
  }

  /**
   * The shared build for these options, in the synthesis's output folder (where CDK stages every
   * asset), so that a synthesis killed before its exit leaves it there rather than in /tmp.
   */
  private buildAll(options: HandlerBundleOptions, assemblyDir: string) {
    const key = JSON.stringify({ options, assemblyDir });
    const existing = this.built.get(key);
    if (existing) return existing;
    const dir = mkdtempSync(path.join(assemblyDir, 'handler-bundles-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const names = new Map<string, string>();
    for (const file of this.handlerFiles()) names.set(file, `handler-${names.size}`);
    this.run(options, Object.fromEntries([...names].map(([file, name]) => [`${name}/index`, file])), dir);
    const build = { dir, names };
    this.built.set(key, build);
    return build;
  }

  private handlerFiles(): string[] {
    return readdirSync(this.handlersDir, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
      .map((file) => path.join(this.handlersDir, file))
      .filter((file) => EXPORTS_HANDLER.test(readFileSync(file, 'utf8')))
      .sort();
  }

  /** What NodejsFunction gives esbuild for these options (a source map always), for many entries. */
  private run(options: HandlerBundleOptions, entryPoints: Record<string, string>, outdir: string): void {
    this.loadEsbuild().buildSync({
      entryPoints,
      outdir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: options.target,
      minify: options.minify,
      sourcemap: true,
      sourcesContent: options.sourcesContent,
      mainFields: options.mainFields,
      banner: { js: options.banner },
      alias: options.alias,
      logLevel: 'warning',
    });
  }
}
