/**
 * The embedded local stack: runs a synthesized CDK app's Lambda handlers, REST API and
 * event source mappings on a laptop, against DynamoDB Local and fauxqs. Everything it
 * runs comes from the synthesized template (cdk.out); nothing is listed by hand.
 */
import path from 'node:path';
import { LOCAL_ACCOUNT_ID } from './arns';
import type { EmulatorEndpoints } from './emulators/aws-clients';
import { readSynthesizedStack, synthesize } from './cloudformation/cloud-assembly';
import { startEmulators, type RunningEmulators } from './emulators/emulators';
import {
  EventSourceMappingRegistry,
  startEventSourceMappings,
  type LocalEventSourceMapping,
  type RunningEventSources,
} from './event-sources/event-source-mappings';
import { startLambdaControlPlane } from './lambda/lambda-control-plane';
import { StreamPositionsFile } from './event-sources/stream-positions';
import { IntrinsicResolver } from './cloudformation/intrinsics';
import type { LocalFunction } from './lambda/lambda-function';
import {
  DEFAULT_ACCOUNT_CONCURRENCY,
  DEFAULT_ENVIRONMENT_IDLE_MS,
  DEFAULT_FUNCTION_CONCURRENCY,
} from './lambda/lambda-concurrency';
import { createLocalFunctions, registerFunctionNames } from './lambda/lambda-functions';
import { provisionResources } from './cloudformation/provision';
import { readRestApis, registerRestApiIds } from './api-gateway/rest-api-routes';
import { startRestApiServer, type RunningRestApiServer } from './api-gateway/rest-api-server';
import { readAuthorizers } from './api-gateway/authorizers';
import { startControlPlane } from './api-gateway/control-plane';
import { UsagePlans } from './api-gateway/usage-plans';
import {
  readWebSocketApi,
  registerWebSocketApi,
  registerWebSocketResources,
  webSocketApiLogicalIds,
} from './api-gateway-v2/websocket-apis';
import { LocalWebSocketApis } from './api-gateway-v2/websocket-server';
import { describeRule, readRules, registerRuleNames, RuleScheduler, type LocalRule } from './schedules/scheduled-rules';
import { findIgnored, type IgnoredInTemplate } from './coverage';
import { ChaosMode, type ChaosCounts, type ChaosOptions } from './chaos/chaos-mode';
import { startupReport } from './startup-report';
import { lockDataDir } from './data-dir-lock';

export { DEFAULT_REGION, formatArn, functionNameOf, LOCAL_ACCOUNT_ID, parseArn, unqualifiedFunctionArn } from './arns';
export { findIgnored, RESOURCE_COVERAGE, type IgnoredInTemplate, type ResourceTypeCoverage } from './coverage';
export type { EmulatorEndpoints } from './emulators/aws-clients';
export {
  CHAOS_SDK_FAULTS_CHANNEL,
  CHAOS_SDK_THROTTLE_RATE_VARIABLE,
  type ChaosCounts,
  type ChaosOptions,
  type InvocationFault,
} from './chaos/chaos-mode';
export { LOCAL_CREDENTIALS } from './emulators/aws-clients';
export type { EventSourceMappingState, LocalEventSourceMapping } from './event-sources/event-source-mappings';
export { startEmulators, type RunningEmulators } from './emulators/emulators';
export {
  LocalFunction,
  LambdaFunctionError,
  LambdaThrottledError,
  LambdaTimeoutError,
  type InvokeOptions,
  type LocalFunctionMetrics,
} from './lambda/lambda-function';
export {
  DEFAULT_ACCOUNT_CONCURRENCY,
  DEFAULT_ENVIRONMENT_IDLE_MS,
  DEFAULT_FUNCTION_CONCURRENCY,
} from './lambda/lambda-concurrency';
export { LOCAL_ADMIN_PREFIX } from './api-gateway/rest-api-server';
export {
  RuleNotFireableError,
  UnknownRuleError,
  type LocalRule,
  type LocalRuleTarget,
} from './schedules/scheduled-rules';
export {
  nextRun,
  parseScheduleExpression,
  ScheduleExpressionError,
  type Schedule,
} from './schedules/schedule-expression';

export interface LocalStackOptions {
  /** Folder with cdk.json; default process.cwd(). */
  appDir?: string;
  /** HTTP port; 0 = a free port. Default 3000. */
  port?: number;
  /**
   * Default 'auto': run the CDK app first unless cdk.out was synthesized by the local stack from
   * the same sources and context (the files cdk.json's `watch` names, cdk.json, cdk.context.json,
   * the lock file: see cloudformation/synth-fingerprint.ts); true = always; false = read the
   * existing cdk.out.
   */
  synth?: boolean | 'auto';
  /** Default <appDir>/cdk.out. */
  outdir?: string;
  /** Which stack artifact; default the first one. */
  stackName?: string;
  /** Extra CDK context passed when synthesizing. */
  context?: Record<string, string>;
  /** Reuse already-running emulators instead of starting our own (they are then left running on stop()). */
  emulators?: EmulatorEndpoints;
  /**
   * Keep the emulators' data (DynamoDB Local's tables, fauxqs's queues and messages) and the
   * stream mappings' positions in this folder, and find them there on the next start (a restart
   * after a crash loses nothing written). Default: everything in memory, gone on stop. Not with
   * `emulators`. What survives and what does not: the package README, "Restart without loss".
   */
  dataDir?: string;
  /**
   * Keys accepted for methods with ApiKeyRequired (x-api-key) besides the template's and those
   * created at run time; metered by no usage plan.
   */
  apiKeys?: string[];
  /** Where the startup report (and runtime warnings) go; default console.log. */
  log?: (line: string) => void;
  /** How often an idle DynamoDB stream shard is polled; default 250 ms (Lambda polls 4 times per second). */
  streamPollIntervalMs?: number;
  /** Default true: run ENABLED scheduled rules on their schedule; false = only when fired by hand (fireRule). */
  schedules?: boolean;
  /** This process's environment variables with these name prefixes are passed into every function; default none. */
  environmentPrefixes?: string[];
  /**
   * The local account concurrency: at most this many execution environments in all, less the
   * functions' ReservedConcurrentExecutions; default DEFAULT_ACCOUNT_CONCURRENCY (250; Lambda's is 1000).
   */
  accountConcurrency?: number;
  /** The most environments of one function without reserved concurrency; default DEFAULT_FUNCTION_CONCURRENCY (100). */
  functionConcurrency?: number;
  /** An execution environment idle this long is stopped; default DEFAULT_ENVIRONMENT_IDLE_MS (60 s). */
  environmentIdleMs?: number;
  /**
   * Default false: a function's first invocation starts its first environment (a cold start, as on
   * AWS). True: start one environment per function and run its init phase before the stack is
   * ready (they still stop after environmentIdleMs); costs ~50–90 MB per function.
   */
  initFunctionsAtStart?: boolean;
  /**
   * Chaos mode (default off): faults injected into the running functions, for reliability tests.
   * SQS-triggered invocations crash or hang, SQS batches are delivered twice, and every function
   * gets CHAOS_SDK_THROTTLE_RATE for its own SDK fault middleware. Counted in LocalStack.chaos.
   */
  chaos?: ChaosOptions;
}

export interface LocalStack {
  /** http://localhost:PORT */
  url: string;
  /** ws://127.0.0.1:PORT/<stage> of every stage of every WebSocket API in the template. */
  webSocketUrls: string[];
  emulators: EmulatorEndpoints;
  /** By logical id. */
  tables: Record<string, { tableName: string; streamArn?: string }>;
  /** By logical id. */
  queues: Record<string, { queueUrl: string; queueArn: string; queueName: string }>;
  /** By logical id. */
  functions: Record<string, LocalFunction>;
  /** Every AWS::Lambda::EventSourceMapping, by logical id, as the Lambda API (UpdateEventSourceMapping, …) shows it. */
  eventSourceMappings: Record<string, LocalEventSourceMapping>;
  /** The template's Outputs, resolved against the local resources, by logical id (what `cdk deploy --outputs-file` lists). */
  outputs: Record<string, string>;
  /** Every AWS::Events::Rule, by logical id (nextRun is kept up to date while the stack runs). */
  rules: Record<string, LocalRule>;
  /** The template's resource types and properties that are not emulated (also in the startup report). */
  ignored: IgnoredInTemplate;
  /** Direct invocation, like `aws lambda invoke`; honours the function's Timeout. */
  invoke(logicalId: string, event: unknown): Promise<unknown>;
  /**
   * Runs a rule with a ScheduleExpression now (enabled or not), by logical id, name or ARN: each
   * Lambda target gets the scheduled event (or its Input). Resolves with the targets' results, in
   * target order; rejects with UnknownRuleError, RuleNotFireableError (an EventPattern rule) or the
   * first target's failure. Also served as POST /_local/rules/{logicalIdOrName}/fire.
   */
  fireRule(logicalIdOrName: string): Promise<unknown[]>;
  /** Chaos mode's faults injected so far, by kind; undefined without chaos mode. */
  chaos?: ChaosCounts;
  /** Stops pollers, the HTTP server, every execution environment and the emulators it started. Idempotent. */
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const appDir = path.resolve(options.appDir ?? process.cwd());
  const outdir = path.resolve(appDir, options.outdir ?? 'cdk.out');
  const log = options.log ?? ((line: string) => console.log(line));

  // Everything started so far, stopped in reverse order on failure or stop().
  const cleanups: (() => Promise<void>)[] = [];
  const cleanUp = async () => {
    for (const cleanup of cleanups.splice(0).reverse())
      await cleanup().catch((error: Error) => log(`stop: ${error.message}`));
  };

  try {
    if (options.dataDir && options.emulators)
      throw new Error('dataDir keeps the data of emulators the local stack starts itself: not with emulators');
    const dataDir = options.dataDir ? path.resolve(options.dataDir) : undefined;
    const lock = dataDir ? await lockDataDir(dataDir) : undefined;
    if (lock) cleanups.push(() => lock.release());
    // Synthesis and emulator start-up take seconds each: run them side by side.
    const startingEmulators: Promise<EmulatorEndpoints> = options.emulators
      ? Promise.resolve(options.emulators)
      : startEmulators({ dataDir }).then(async (running: RunningEmulators) => {
          cleanups.push(() => running.stop());
          await lock?.recordEmulators(running.pids);
          return running;
        });
    const synth = options.synth ?? 'auto';
    const synthesizing =
      synth === false
        ? Promise.resolve(false)
        : synthesize(appDir, outdir, options.context, { onlyIfChanged: synth === 'auto' });
    const [endpointsResult, synthResult] = await Promise.allSettled([startingEmulators, synthesizing]);
    if (endpointsResult.status === 'rejected') throw endpointsResult.reason;
    if (synthResult.status === 'rejected') throw synthResult.reason;
    if (synth === 'auto' && !synthResult.value)
      log('cdk.out is up to date: synthesized by the local stack from these sources, not synthesizing again');
    const stack = await readSynthesizedStack(outdir, options.stackName);
    const resolver = new IntrinsicResolver(stack.template, {
      stackName: stack.stackName,
      region: endpointsResult.value.region,
      accountId: LOCAL_ACCOUNT_ID,
    });
    registerFunctionNames(stack, resolver);
    registerRestApiIds(stack.template, resolver);
    registerRuleNames(stack.template, resolver);
    const mappings = EventSourceMappingRegistry.fromTemplate(stack.template, resolver);

    // API keys and usage plans, changed at run time through the control plane the functions reach.
    const usagePlans = UsagePlans.fromTemplate(stack.template, resolver, options.apiKeys ?? []);
    if (dataDir) usagePlans.persistTo(path.join(dataDir, 'api-keys.json'));
    const controlPlane = await startControlPlane(usagePlans, log);
    cleanups.push(() => controlPlane.close());
    // Event source mappings, enabled and disabled at run time through the Lambda API the functions reach.
    const lambdaControlPlane = await startLambdaControlPlane(mappings, log);
    cleanups.push(() => lambdaControlPlane.close());
    const endpoints: EmulatorEndpoints = {
      dynamodb: endpointsResult.value.dynamodb,
      sqs: endpointsResult.value.sqs,
      region: endpointsResult.value.region,
      apiGateway: controlPlane.url,
      lambda: lambdaControlPlane.url,
    };

    const { tables, queues } = await provisionResources(stack.template, resolver, endpoints);
    const chaos = options.chaos ? new ChaosMode(options.chaos) : undefined;
    if (chaos) cleanups.push(async () => chaos.stop());
    // WebSocket APIs listen before the functions exist: their environments may name the APIs' URLs.
    const webSockets = await LocalWebSocketApis.listen(webSocketApiLogicalIds(stack.template), {
      apiKeys: options.apiKeys ?? [],
      log,
    });
    cleanups.push(() => webSockets.close());
    registerWebSocketResources(stack.template, resolver);
    for (const { logicalId, apiId, endpoint } of webSockets.endpoints)
      registerWebSocketApi(resolver, logicalId, apiId, endpoint);
    const managementEndpoint = webSockets.managementEndpoint;
    const functions = await createLocalFunctions(
      stack,
      resolver,
      endpoints,
      log,
      {
        accountConcurrency: options.accountConcurrency ?? DEFAULT_ACCOUNT_CONCURRENCY,
        functionConcurrency: options.functionConcurrency ?? DEFAULT_FUNCTION_CONCURRENCY,
        environmentIdleMs: options.environmentIdleMs ?? DEFAULT_ENVIRONMENT_IDLE_MS,
      },
      options.environmentPrefixes,
      {
        ...chaos?.environment(),
        ...(managementEndpoint ? { AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI: managementEndpoint } : {}),
      },
    );
    cleanups.push(async () => {
      await Promise.all(Object.values(functions).map((fn) => fn.stop()));
    });
    if (options.initFunctionsAtStart) {
      // One environment per function through its init phase, side by side, so first requests are warm.
      await Promise.all(
        Object.values(functions).map((fn) =>
          fn.init().catch((error: Error) => log(`⚠ ${fn.functionName}: init failed: ${error.message}`)),
        ),
      );
    }
    const functionsByArn = new Map(Object.values(functions).map((fn) => [fn.functionArn, fn]));
    webSockets.serve(
      webSockets.endpoints.map(({ logicalId }) => readWebSocketApi(stack.template, resolver, logicalId)),
      functionsByArn,
    );

    const eventSources: RunningEventSources = await startEventSourceMappings({
      template: stack.template,
      resolver,
      endpoints,
      functions,
      tables,
      queues,
      streamPollIntervalMs: options.streamPollIntervalMs ?? 250,
      log,
      registry: mappings,
      ...(dataDir ? { streamPositions: new StreamPositionsFile(path.join(dataDir, 'stream-positions.json')) } : {}),
      ...(chaos ? { chaos } : {}),
    });
    cleanups.push(() => eventSources.stop());

    const scheduler = new RuleScheduler({
      rules: readRules(stack.template, resolver, functionsByArn, log),
      region: endpoints.region,
      accountId: LOCAL_ACCOUNT_ID,
      log,
    });
    const scheduling = options.schedules ?? true;
    if (scheduling) scheduler.start();
    cleanups.push(() => scheduler.stop());
    const fireRule = (reference: string) => scheduler.fire(reference);

    // The server listens last: once it answers (e.g. a health route), every poller is running.
    const apis = readRestApis(stack.template, resolver);
    const server: RunningRestApiServer = await startRestApiServer({
      port: options.port ?? 3000,
      apis,
      functionsByArn,
      apiKeys: options.apiKeys ?? [],
      usagePlans,
      authorizers: readAuthorizers(stack.template, resolver, log),
      region: endpoints.region,
      log,
      admin: {
        async fireRule(reference) {
          const { logicalId, ruleName, ruleArn } = scheduler.find(reference);
          return { rule: { logicalId, ruleName, ruleArn }, results: await fireRule(reference) };
        },
      },
    });
    cleanups.push(() => server.close());

    const ignored = findIgnored(stack.template, (logicalId) => {
      const condition = stack.template.Resources?.[logicalId]?.Condition;
      return condition === undefined || resolver.isConditionTrue(condition);
    });
    const report = startupReport({
      template: stack.template,
      resolver,
      tables,
      queues,
      functions,
      routes: apis.routes,
      functionsByArn,
      eventSources: eventSources.sources.map((source) => source.description),
      rules: scheduler.rules.map((rule) => describeRule(rule, scheduling)),
      ignored,
      webSocketUrls: webSockets.urls,
    });
    for (const line of report) log(line);
    if (chaos) log(chaos.describe());
    log(`Local stack ready at ${server.url}`);

    const outputs: Record<string, string> = {};
    for (const [logicalId, output] of Object.entries(stack.template.Outputs ?? {})) {
      if (output.Condition !== undefined && !resolver.isConditionTrue(output.Condition)) continue;
      outputs[logicalId] = resolver.resolveString(output.Value);
    }

    let stopping: Promise<void> | undefined;
    return {
      url: server.url,
      webSocketUrls: webSockets.urls,
      emulators: endpoints,
      outputs,
      tables,
      queues,
      functions,
      eventSourceMappings: Object.fromEntries(mappings.all().map((mapping) => [mapping.logicalId, mapping])),
      rules: Object.fromEntries(scheduler.rules.map((rule) => [rule.logicalId, rule])),
      ignored,
      ...(chaos ? { chaos: chaos.counts } : {}),
      fireRule,
      invoke(logicalId, event) {
        const fn = functions[logicalId];
        if (!fn)
          return Promise.reject(new Error(`No function ${logicalId}; known: ${Object.keys(functions).join(', ')}`));
        return fn.invoke(event);
      },
      stop() {
        stopping ??= cleanUp();
        return stopping;
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
