import { AssetHashType, Duration, Validations } from 'aws-cdk-lib';
import { Architecture, Code, Runtime, Tracing, type IEventSource } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HandlerBundles, type HandlerBundleSettings } from './handler-bundles';

/**
 * This package's folder, found from this module whether it runs from the sources (lib/constructs/)
 * or from the published build (dist/): the repository checkout, or node_modules/serverless-jobs.
 */
function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'serverless-jobs'
    ) {
      return dir;
    }
    if (path.dirname(dir) === dir) throw new Error(`serverless-jobs: no package.json of serverless-jobs above ${from}`);
  }
}

/** Where the handlers' sources (lambdas/, src/) and the dashboard's (web/dashboard/) are, installed or not. */
export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

/**
 * Where esbuild runs. In this repository: its root and lock file. Installed, a package has no lock
 * file (npm never packs one), so NodejsFunction finds the app's own, upwards from the working
 * directory, and bundles from the app's root, which holds node_modules/serverless-jobs.
 */
const repositoryLockFile = path.join(PACKAGE_ROOT, 'package-lock.json');
const bundlingRoot = existsSync(repositoryLockFile)
  ? { projectRoot: PACKAGE_ROOT, depsLockFilePath: repositoryLockFile }
  : {};

/** This repository's registry, bundled unless a JobsPlatform names another. */
export const DEFAULT_JOB_TYPES_MODULE = path.join(PACKAGE_ROOT, 'src/job-types/index.ts');

/** This package's handlers, bundled together once per synthesis (and per registry module). */
const handlerBundles = new HandlerBundles(path.join(PACKAGE_ROOT, 'lambdas'));

/** Some bundled CommonJS dependencies call require(); ESM output needs it defined. */
const REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module';const require = __createRequire(import.meta.url);";

/** What every function is bundled with, in the shared build and alone. */
const BUNDLE_SETTINGS: HandlerBundleSettings = {
  target: 'node24',
  minify: true,
  // Stack traces map to file and line all the same; without the sources inside, the map
  // that --enable-source-maps reads at cold start is a third of the size (init ×0.86).
  sourcesContent: false,
  // ES module builds first: the SDK's and Powertools' dist-es tree-shake, their CommonJS
  // builds do not (esbuild's default for Node picks `main`): 1.4 MB → 0.74 MB per bundle.
  mainFields: ['module', 'main'],
  banner: REQUIRE_BANNER,
};

/** Construct context key under which a JobsPlatform records its registry module for every function below it. */
export const JOB_TYPES_MODULE_CONTEXT = 'serverless-jobs:jobTypesModule';

export interface JobFunctionProps extends Omit<NodejsFunctionProps, 'entry'> {
  /** Handler file relative to this package's root, e.g. `lambdas/api/get-job.ts`. */
  entry: string;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

/**
 * Every function of the stack: Node.js 24 on arm64, bundled locally by esbuild as ESM with the
 * AWS SDK inside (the version we test against, not whatever the runtime ships), source maps on.
 * The handlers are bundled in one esbuild run for all functions (handler-bundles.ts); a function
 * given `bundling` options of its own (the dashboard's build steps) is bundled alone by
 * NodejsFunction, as is every function where esbuild cannot be loaded (NodejsFunction then
 * bundles in Docker).
 * `#job-types` (the registry) is bundled from the module the enclosing JobsPlatform names, so a
 * user's job type files, wherever they live, reach every function. Their imports of
 * `serverless-jobs/job-types` are bundled from the same sources as the handlers (not from dist/),
 * so there is one PermanentJobError class in a bundle, and `instanceof` holds for a user's throw.
 */
export class JobFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: JobFunctionProps) {
    const { entry, logRetention, removalPolicy, environment, bundling, ...rest } = props;
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: logRetention, removalPolicy });
    const jobTypesModule =
      (scope.node.tryGetContext(JOB_TYPES_MODULE_CONTEXT) as string | undefined) ?? DEFAULT_JOB_TYPES_MODULE;
    const entryPath = path.join(PACKAGE_ROOT, entry);
    const alias = {
      '#job-types': jobTypesModule,
      'serverless-jobs/job-types': path.join(PACKAGE_ROOT, 'src/job-types/api.ts'),
    };
    const sharedBuild =
      bundling === undefined && handlerBundles.available()
        ? {
            code: Code.fromAsset(PACKAGE_ROOT, {
              assetHashType: AssetHashType.OUTPUT,
              bundling: handlerBundles.bundlingFor(entryPath, { ...BUNDLE_SETTINGS, alias }),
            }),
            handler: 'index.handler',
          }
        : {};
    super(scope, id, {
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup,
      ...bundlingRoot,
      ...rest,
      entry: entryPath,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'serverless-jobs',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...environment,
      },
      // For a function bundled alone: the shared build's settings.
      bundling: {
        format: OutputFormat.ESM,
        sourceMap: true,
        // The AWS SDK stays inside, pinned: the runtime's copy is another version, updated by AWS.
        externalModules: [],
        ...BUNDLE_SETTINGS,
        ...bundling,
        esbuildArgs: {
          ...Object.fromEntries(Object.entries(alias).map(([name, target]) => [`--alias:${name}`, target])),
          ...bundling?.esbuildArgs,
        },
      },
      ...sharedBuild,
    });
    // On the role, so they cover its default policy only, not the other resources of the stack.
    if (this.role) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "Lambda's basic execution policy only lets the function write its own CloudWatch logs.",
      });
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Active tracing: X-Ray PutTraceSegments and PutTelemetryRecords take no resource.',
      });
    }
  }

  override addEventSource(source: IEventSource): void {
    super.addEventSource(source);
    if (source instanceof DynamoEventSource) {
      Validations.of(this).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          "A DynamoDB stream event source needs dynamodb:ListStreams, which takes no resource; the stream's reads name its ARN.",
      });
    }
  }
}
