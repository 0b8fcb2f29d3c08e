import { statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatArn } from '../arns';
import type { EmulatorEndpoints } from '../emulators/aws-clients';
import { LOCAL_CREDENTIALS } from '../emulators/aws-clients';
import type { SynthesizedStack } from '../cloudformation/cloud-assembly';
import type { IntrinsicResolver } from '../cloudformation/intrinsics';
import { AccountConcurrency, MIN_UNRESERVED_CONCURRENCY, unreservedConcurrency } from './lambda-concurrency';
import { LocalFunction, type LocalFunctionConfig } from './lambda-function';
import { resourcesOfType } from '../cloudformation/template';

/** Registers every function's Ref (name) and Arn up front: other resources refer to them before functions exist. */
export function registerFunctionNames(stack: SynthesizedStack, resolver: IntrinsicResolver): void {
  const { region, accountId } = resolver.context;
  for (const [logicalId, resource] of resourcesOfType(stack.template, 'AWS::Lambda::Function')) {
    const explicitName = resource.Properties?.FunctionName;
    const name = explicitName !== undefined ? resolver.resolveString(explicitName) : `${stack.stackName}-${logicalId}`;
    resolver.register(logicalId, {
      ref: name,
      attributes: { Arn: formatArn({ service: 'lambda', region, accountId, resource: `function:${name}` }) },
    });
  }
}

/** The local concurrency limits (see lambda-concurrency.ts). */
export interface ConcurrencyOptions {
  /** The local account concurrency; reservations are taken out of it. */
  accountConcurrency: number;
  /** The cap on environments of a function without ReservedConcurrentExecutions. */
  functionConcurrency: number;
  /** An idle environment is stopped after this long. */
  environmentIdleMs: number;
}

/**
 * Creates a LocalFunction for every AWS::Lambda::Function (environments start on demand).
 * This process's environment variables whose names start with one of passedPrefixes are passed
 * into every function, so users can tune a local run.
 */
export async function createLocalFunctions(
  stack: SynthesizedStack,
  resolver: IntrinsicResolver,
  endpoints: EmulatorEndpoints,
  log: (line: string) => void,
  concurrency: ConcurrencyOptions,
  passedPrefixes: readonly string[] = [],
  /** Added to every function's environment after the template's and the passed ones (chaos mode's). */
  extraEnvironment: Readonly<Record<string, string>> = {},
): Promise<Record<string, LocalFunction>> {
  const configs: LocalFunctionConfig[] = [];
  for (const [logicalId, resource] of resourcesOfType(stack.template, 'AWS::Lambda::Function')) {
    if (resource.Condition && !resolver.isConditionTrue(resource.Condition)) continue;
    const props = resolver.resolve(resource.Properties ?? {}) as {
      Handler?: string;
      Runtime?: string;
      Timeout?: number;
      MemorySize?: number;
      ReservedConcurrentExecutions?: number;
      Code?: { S3Key?: string; ZipFile?: string; ImageUri?: string };
      Environment?: { Variables?: Record<string, unknown> };
    };
    const name = resolver.resolveString({ Ref: logicalId });
    if (props.Runtime !== undefined && !props.Runtime.startsWith('nodejs')) {
      log(`⚠ function ${name}: runtime ${props.Runtime} does not run locally, skipped`);
      continue;
    }
    const codeDir = await codeDirectory(stack, logicalId, props.Code ?? {});
    if (!codeDir) {
      log(`⚠ function ${name}: only zip assets and inline code run locally, skipped`);
      continue;
    }
    const memorySize = Number(props.MemorySize ?? 128);
    const logGroupName = `/aws/lambda/${name}`;
    const environment: Record<string, string> = {};
    for (const key of ['PATH', 'LANG']) if (process.env[key]) environment[key] = process.env[key]!;
    for (const [key, value] of Object.entries(props.Environment?.Variables ?? {}))
      if (value !== undefined) environment[key] = String(value);
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined && passedPrefixes.some((prefix) => key.startsWith(prefix))) environment[key] = value;
    }
    Object.assign(environment, extraEnvironment);
    // AWS_EXECUTION_ENV stays unset on purpose: Powertools Tracer then stays disabled locally.
    Object.assign(environment, {
      AWS_REGION: endpoints.region,
      AWS_DEFAULT_REGION: endpoints.region,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: endpoints.dynamodb,
      AWS_ENDPOINT_URL_SQS: endpoints.sqs,
      ...(endpoints.apiGateway ? { AWS_ENDPOINT_URL_API_GATEWAY: endpoints.apiGateway } : {}),
      ...(endpoints.lambda ? { AWS_ENDPOINT_URL_LAMBDA: endpoints.lambda } : {}),
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memorySize),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_LOG_GROUP_NAME: logGroupName,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    });
    const reserved = props.ReservedConcurrentExecutions;
    configs.push({
      logicalId,
      functionName: name,
      functionArn: resolver.resolveString({ 'Fn::GetAtt': [logicalId, 'Arn'] }),
      codeDir,
      handler: props.Handler ?? 'index.handler',
      timeoutSeconds: Number(props.Timeout ?? 3),
      memorySize,
      environment,
      ...(reserved !== undefined ? { reservedConcurrency: Number(reserved) } : {}),
      maxEnvironments: concurrency.functionConcurrency,
      idleTimeoutMs: concurrency.environmentIdleMs,
    });
  }
  const reservations = configs.flatMap((config) => config.reservedConcurrency ?? []);
  const unreserved = unreservedConcurrency(concurrency.accountConcurrency, reservations);
  if (reservations.reduce((sum, n) => sum + n, 0) > concurrency.accountConcurrency - MIN_UNRESERVED_CONCURRENCY)
    log(
      `⚠ reserved concurrency (${reservations.join(' + ')}) leaves fewer than ${MIN_UNRESERVED_CONCURRENCY} of the local account concurrency ${concurrency.accountConcurrency} (Lambda would refuse the deployment); the other functions share ${unreserved}`,
    );
  const account = new AccountConcurrency(unreserved);
  return Object.fromEntries(configs.map((config) => [config.logicalId, new LocalFunction({ ...config, account })]));
}

/** The folder holding the function's code: its asset folder in cdk.out, or a folder in cdk.out for inline code. */
async function codeDirectory(
  stack: SynthesizedStack,
  logicalId: string,
  code: { S3Key?: string; ZipFile?: string },
): Promise<string | undefined> {
  if (code.ZipFile !== undefined) {
    // Inline code: Lambda stores it as index.js. Kept in cdk.out, which is rewritten on every synth.
    const dir = path.join(stack.outdir, 'local-stack-inline', logicalId);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'index.js'), code.ZipFile);
    // A package.json without "type" stops Node from applying the app's own "type" (e.g. module):
    // like in Lambda, index.js is then CommonJS, or ESM when its syntax says so.
    await writeFile(path.join(dir, 'package.json'), '{}\n');
    return dir;
  }
  if (code.S3Key) {
    const dir = stack.assetPaths.get(path.basename(code.S3Key));
    if (dir && statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return dir;
  }
  return undefined;
}
