import type { RemovalPolicy } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import path from 'node:path';
import { JobFunction, PACKAGE_ROOT } from './job-function';

export interface DashboardFunctionProps {
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * The shell commands that build the operator dashboard (web/dashboard: plain TypeScript and CSS)
 * into `<outputDir>/dashboard/`, next to the handler's bundle, which reads them at cold start.
 * They use the esbuild NodejsFunction runs (the bundling root's node_modules/.bin), so local
 * bundling needs no Docker; the sources are this package's, installed or not.
 */
export function dashboardBuildCommands(inputDir: string, outputDir: string): string[] {
  const source = path.join(PACKAGE_ROOT, 'web/dashboard');
  const target = `${outputDir}/dashboard`;
  const esbuild = quote(`${inputDir}/node_modules/.bin/esbuild`);
  return [
    `mkdir -p ${quote(target)}`,
    [
      esbuild,
      quote(`${source}/app.ts`),
      '--bundle',
      '--minify',
      '--format=esm',
      '--target=es2022',
      '--platform=browser',
      '--log-level=warning',
      `--tsconfig=${quote(`${source}/tsconfig.json`)}`,
      `--outfile=${quote(`${target}/app.js`)}`,
    ].join(' '),
    [
      esbuild,
      quote(`${source}/app.css`),
      '--bundle',
      '--minify',
      '--log-level=warning',
      `--outfile=${quote(`${target}/app.css`)}`,
    ].join(' '),
    `cp ${quote(`${source}/index.html`)} ${quote(`${source}/favicon.svg`)} ${quote(`${target}/`)}`,
  ];
}

/**
 * `GET /dashboard` and `GET /dashboard/{file}`: the operator dashboard, served by one small
 * function that needs no access to anything (the page calls the API itself, from the browser).
 */
export function createDashboardFunction(scope: Construct, id: string, props: DashboardFunctionProps): JobFunction {
  return new JobFunction(scope, id, {
    ...props,
    entry: 'lambdas/api/serve-dashboard.ts',
    description: 'Serves the operator dashboard (HTML, script, styles)',
    memorySize: 256,
    bundling: {
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: dashboardBuildCommands,
      },
    },
  });
}
