import { Duration, Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  ApiKeySourceType,
  AuthorizationType,
  Period,
  type UsagePlan,
  type IResource,
  type Integration,
  JsonSchemaType,
  JsonSchemaVersion,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  ResponseTransferMode,
  RestApi,
  type MethodOptions,
} from 'aws-cdk-lib/aws-apigateway';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { TokenScope } from '../../src/tokens/token-scopes';
import type { ApiTokens } from './api-tokens';
import { CursorSigningKey } from './cursor-signing-key';
import { createDashboardFunction } from './dashboard-function';
import type { JobCounters } from './job-counters';
import { JobFunction } from './job-function';
import type { ConsumerMapping } from './job-worker';
import { consumerMappingVariable } from '../../lambdas/commons/environment';
import type { LongPoll } from './long-poll';
import { problemGatewayResponses } from './problem-gateway-responses';
import { queueUrlEnvironment } from './queue-url-environment';
import { grantFollowMark, grantTableAccess, type TableAccess, type TableAction } from './table-access';

/** How long one SSE stream lasts at most; the handler ends it 2 s earlier and EventSource reconnects. */
const SSE_FUNCTION_TIMEOUT = Duration.seconds(280);
/** Above the function's timeout plus a cold start, so the function, not API Gateway, ends a stream. */
const SSE_INTEGRATION_TIMEOUT = Duration.seconds(300);

export interface JobsApiProps {
  /** Serve the read routes without a token (every other route still needs one). */
  openReadRoutes: boolean;
  /** Usage-plan throttling of each token. */
  throttle: { rateLimit: number; burstLimit: number };
  /** Requests per token and UTC day. */
  dailyQuota: number;
  /** Stage-wide throttling of every route (the usage plan throttles each token below it). */
  stageThrottle: { rateLimit: number; burstLimit: number };
  tokens: ApiTokens;
  table: Table;
  /** JOBS_TABLE_NAME and the shard counts its items are keyed with (JobsTable.environment). */
  tableEnvironment: Readonly<Record<string, string>>;
  idempotencyTable: Table;
  /** The stream-fed counters `GET /stats` and `GET /stats/series` read; without them, neither route exists. */
  counters?: JobCounters;
  /** Each job type's queue and DLQ, by type name: one submit route per type. */
  queues: Readonly<Record<string, Queue>>;
  deadLetterQueues: Readonly<Record<string, Queue>>;
  /** Each job type's consumer event source mapping: pause and resume switch it, `GET /queues` reads it. */
  consumerMappings: Readonly<Record<string, ConsumerMapping>>;
  configsJson: string;
  longPoll: LongPoll;
  /** The longest a long poll may hold a request; below API Gateway's 29 s integration timeout. */
  maxLongPollTimeoutMs: number;
  /** ReservedConcurrentExecutions of the status (long-poll) function; undefined = none. */
  longPollReservedConcurrency: number | undefined;
  /** ReservedConcurrentExecutions of the server-sent events function; undefined = none. */
  eventStreamReservedConcurrency: number | undefined;
  /** How many long polls one token may have open at once. */
  longPollsPerToken: number;
  stageName: string;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

/** The REST API (API Gateway v1, Lambda proxy): one small function per route, each with only the access it needs. */
export class JobsApi extends Construct {
  readonly restApi: RestApi;
  readonly usagePlan: UsagePlan;

  constructor(scope: Construct, id: string, props: JobsApiProps) {
    super(scope, id);
    const common = { logRetention: props.logRetention, removalPolicy: props.removalPolicy };
    const tableEnv = props.tableEnvironment;
    const queueEnv = queueUrlEnvironment(props.queues, 'QUEUE_URL');
    const deadLetterQueueEnv = queueUrlEnvironment(props.deadLetterQueues, 'DLQ_URL');
    const queues = Object.values(props.queues);
    const consumerMappingEnv = Object.fromEntries(
      Object.entries(props.consumerMappings).map(([type, mapping]) => [consumerMappingVariable(type), mapping.id]),
    );
    const consumerMappingArns = Object.values(props.consumerMappings).map((mapping) => mapping.arn);
    const deadLetterQueues = Object.values(props.deadLetterQueues);

    const submitJob = new JobFunction(this, 'SubmitJob', {
      ...common,
      entry: 'lambdas/api/submit-job.ts',
      description: 'Validates a job, stores it and sends it to its type queue',
      environment: {
        ...tableEnv,
        ...queueEnv,
        JOB_TYPE_CONFIGS: props.configsJson,
        IDEMPOTENCY_TABLE_NAME: props.idempotencyTable.tableName,
      },
    });
    // DynamoDbJobsRepository: create (PutItem) then save (UpdateItem). Powertools idempotency: its four item calls.
    grantTableAccess(submitJob, props.table, { actions: ['PutItem', 'UpdateItem'] });
    grantTableAccess(submitJob, props.idempotencyTable, {
      actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'],
    });
    for (const queue of queues) queue.grantSendMessages(submitJob);

    const getJob = new JobFunction(this, 'GetJob', {
      ...common,
      entry: 'lambdas/api/get-job.ts',
      description: 'Reads one job, sensitive fields masked',
      environment: tableEnv,
    });
    const getJobStatus = new JobFunction(this, 'GetJobStatus', {
      ...common,
      entry: 'lambdas/api/get-job-status.ts',
      description: "Answers with a job's status now, or when it changes (long polling)",
      // A long poll holds the request up to the maximum; API Gateway gives up at 29 s.
      timeout: Duration.seconds(28),
      environment: { ...tableEnv, LONG_POLL_MAX_TIMEOUT_MS: String(props.maxLongPollTimeoutMs) },
      reservedConcurrentExecutions: props.longPollReservedConcurrency,
    });
    props.longPoll.grantWait(getJobStatus, props.longPollsPerToken);
    // Server-Sent Events: a streamed response, ended before the function's timeout (the client resumes it).
    const streamJobEvents = new JobFunction(this, 'StreamJobEvents', {
      ...common,
      entry: 'lambdas/api/stream-job-events.ts',
      description: "Streams a job's status changes as Server-Sent Events",
      memorySize: 256,
      timeout: SSE_FUNCTION_TIMEOUT,
      environment: tableEnv,
      reservedConcurrentExecutions: props.eventStreamReservedConcurrency,
    });
    props.longPoll.grantWait(streamJobEvents, props.longPollsPerToken);
    const createExternalJob = new JobFunction(this, 'CreateExternalJob', {
      ...common,
      entry: 'lambdas/api/create-external-job.ts',
      description: 'Creates a job driven by an external system',
      environment: tableEnv,
    });
    grantTableAccess(createExternalJob, props.table, { actions: ['PutItem'] });
    const reportExternalStatus = new JobFunction(this, 'ReportExternalStatus', {
      ...common,
      entry: 'lambdas/api/report-external-status.ts',
      description: "Records an external job's status",
      environment: tableEnv,
    });
    // Read-modify-write through retryOnConflict: GetItem, then a conditional UpdateItem.
    const readModifyWrite: TableAccess = { actions: ['GetItem', 'UpdateItem'] };
    grantTableAccess(reportExternalStatus, props.table, readModifyWrite);
    grantTableAccess(getJob, props.table, { actions: ['GetItem'] });
    // Long polls and event streams read the job and mark it followed (JobsRepository.follow).
    for (const follower of [getJobStatus, streamJobEvents]) {
      grantTableAccess(follower, props.table, { actions: ['GetItem'] });
      grantFollowMark(follower, props.table);
    }
    const cancelJob = new JobFunction(this, 'CancelJob', {
      ...common,
      entry: 'lambdas/api/cancel-job.ts',
      description: 'Cancels a job that has not started',
      environment: tableEnv,
    });
    grantTableAccess(cancelJob, props.table, readModifyWrite);
    const retryJob = new JobFunction(this, 'RetryJob', {
      ...common,
      entry: 'lambdas/api/retry-job.ts',
      description: 'Sends a failed job round again with fresh attempts',
      environment: { ...tableEnv, ...queueEnv, JOB_TYPE_CONFIGS: props.configsJson },
    });
    grantTableAccess(retryJob, props.table, readModifyWrite);
    for (const queue of queues) queue.grantSendMessages(retryJob);
    for (const writer of [reportExternalStatus, cancelJob, retryJob]) props.longPoll.grantWake(writer);
    const listJobTypes = new JobFunction(this, 'ListJobTypes', {
      ...common,
      entry: 'lambdas/api/list-job-types.ts',
      description: 'Describes the job types: payload JSON Schema, masked fields, configuration',
      environment: { JOB_TYPE_CONFIGS: props.configsJson },
    });
    const redriveQueue = new JobFunction(this, 'RedriveQueue', {
      ...common,
      entry: 'lambdas/api/redrive-queue.ts',
      description: "Moves a job type's dead letters back to its queue",
      timeout: Duration.seconds(28),
      environment: { ...tableEnv, ...queueEnv, ...deadLetterQueueEnv },
    });
    grantTableAccess(redriveQueue, props.table, readModifyWrite);
    for (const queue of queues) queue.grantSendMessages(redriveQueue);
    for (const queue of deadLetterQueues) queue.grantConsumeMessages(redriveQueue);
    const cursorSigningKey = new CursorSigningKey(this, 'CursorSigningKey').environmentValue;
    const retryFailedJobs = new JobFunction(this, 'RetryFailedJobs', {
      ...common,
      entry: 'lambdas/api/retry-failed-jobs.ts',
      description: 'Counts, or retries in batches, the failed jobs matching a filter',
      timeout: Duration.seconds(28),
      environment: {
        ...tableEnv,
        ...queueEnv,
        JOB_TYPE_CONFIGS: props.configsJson,
        CURSOR_SIGNING_KEY: cursorSigningKey,
      },
    });
    // Lists the matching failed jobs (Query on the index the filter picks), then retries each (GetItem + UpdateItem).
    grantTableAccess(retryFailedJobs, props.table, { actions: ['GetItem', 'UpdateItem'], queries: '*' });
    for (const queue of queues) queue.grantSendMessages(retryFailedJobs);
    const listJobs = new JobFunction(this, 'ListJobs', {
      ...common,
      entry: 'lambdas/api/list-jobs.ts',
      description: 'Lists jobs newest first, by status or type',
      environment: { ...tableEnv, CURSOR_SIGNING_KEY: cursorSigningKey },
    });
    const countersReader = (counters: JobCounters, id: string, entry: string, description: string) => {
      const reader = new JobFunction(this, id, { ...common, entry, description });
      counters.grantRead(reader);
      return reader;
    };
    const statsFunctions = props.counters && {
      getStats: countersReader(
        props.counters,
        'GetStats',
        'lambdas/api/get-stats.ts',
        'Reports retained jobs per status and type, from the stream-fed counters',
      ),
      getStatsSeries: countersReader(
        props.counters,
        'GetStatsSeries',
        'lambdas/api/get-stats-series.ts',
        'Reports per-minute submitted, completed, failed and p50/p95 durations per job type',
      ),
    };
    // DynamoDbJobListing: Query on the index the filter picks; BatchGetItem for the summaries of a keys-only listing.
    grantTableAccess(listJobs, props.table, { actions: ['BatchGetItem'], queries: '*' });
    const listQueues = new JobFunction(this, 'ListQueues', {
      ...common,
      entry: 'lambdas/api/list-queues.ts',
      description: 'Reports queue and DLQ depths per job type',
      environment: { ...queueEnv, ...deadLetterQueueEnv, ...consumerMappingEnv },
    });
    listQueues.addToRolePolicy(
      new PolicyStatement({
        actions: ['sqs:GetQueueAttributes'],
        resources: [...queues, ...deadLetterQueues].map((queue) => queue.queueArn),
      }),
    );
    listQueues.addToRolePolicy(
      new PolicyStatement({ actions: ['lambda:GetEventSourceMapping'], resources: consumerMappingArns }),
    );
    const controlQueue = new JobFunction(this, 'ControlQueue', {
      ...common,
      entry: 'lambdas/api/control-queue.ts',
      description: "Pauses or resumes a job type's queue (its consumer's event source mapping)",
      environment: consumerMappingEnv,
    });
    controlQueue.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:UpdateEventSourceMapping', 'lambda:GetEventSourceMapping'],
        resources: consumerMappingArns,
      }),
    );
    const health = new JobFunction(this, 'Health', {
      ...common,
      entry: 'lambdas/api/health.ts',
      description: 'Liveness of the API',
    });
    const openApi = new JobFunction(this, 'OpenApiDocument', {
      ...common,
      entry: 'lambdas/api/get-openapi-document.ts',
      description: 'Serves the OpenAPI 3.1 document of this API',
      environment: { ROUTE_SCOPES: props.tokens.routeScopesJson },
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.restApi = new RestApi(this, 'RestApi', {
      restApiName: `${Stack.of(this).stackName}-api`,
      description: 'Background jobs: submit, inspect and wait for jobs',
      // Execution logging needs API Gateway's account-level CloudWatch role.
      cloudWatchRole: true,
      // Usage plans meter the key the authorizer names for the token (usageIdentifierKey).
      apiKeySourceType: ApiKeySourceType.AUTHORIZER,
      deployOptions: {
        stageName: props.stageName,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: MethodLoggingLevel.ERROR,
        tracingEnabled: true,
        metricsEnabled: true,
        throttlingRateLimit: props.stageThrottle.rateLimit,
        throttlingBurstLimit: props.stageThrottle.burstLimit,
      },
    });
    for (const [id, response] of Object.entries(problemGatewayResponses)) this.restApi.addGatewayResponse(id, response);
    Validations.of(this.restApi).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason: "API Gateway's account-level logging role, needed for execution logs; AWS maintains the policy.",
    });
    Validations.of(this.restApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Every route runs the token authorizer except /health, /openapi.json and the dashboard page and assets, which reveal no job (and the read routes when openReadRoutes is set on purpose).',
    });
    Validations.of(this.restApi).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        'The job API is service-to-service; callers authenticate with scoped tokens checked by a Lambda authorizer, not Cognito user pools.',
    });

    // Every route needs a token with the route's scope (the authorizer checks it, the usage plan
    // meters the token's key); `openReadRoutes` opens the read routes, and a few routes are public
    // by nature (below). This is the one place that says which scope a route needs.
    const tokens = props.tokens;
    const route = (
      resource: IResource,
      httpMethod: string,
      integration: Integration,
      access: TokenScope | 'public',
      options: MethodOptions = {},
    ) => {
      const open = access === 'public' || (access === 'jobs:read' && props.openReadRoutes);
      if (!open) tokens.requireScope(access, httpMethod, resource.path);
      return resource.addMethod(
        httpMethod,
        integration,
        open
          ? { ...options, apiKeyRequired: false }
          : {
              ...options,
              apiKeyRequired: true,
              authorizationType: AuthorizationType.CUSTOM,
              authorizer: tokens.authorizer,
            },
      );
    };
    const jsonObjectBody: MethodOptions = {
      requestValidator: this.restApi.addRequestValidator('RequestValidator', {
        validateRequestBody: true,
        validateRequestParameters: true,
      }),
      requestModels: {
        'application/json': this.restApi.addModel('JsonObject', {
          contentType: 'application/json',
          modelName: 'JsonObject',
          description: 'Any JSON object; the functions validate the fields and name each invalid one',
          schema: { schema: JsonSchemaVersion.DRAFT4, title: 'JsonObject', type: JsonSchemaType.OBJECT },
        }),
      },
    };
    // Each token gets its own key in this plan (POST /tokens creates it): rate, burst and quota per client.
    const usagePlanName = `${Stack.of(this).stackName}-tokens`;
    this.usagePlan = this.restApi.addUsagePlan('UsagePlan', {
      name: usagePlanName,
      description: 'Throttles each token of the job API',
      throttle: props.throttle,
      quota: { limit: props.dailyQuota, period: Period.DAY },
      apiStages: [{ api: this.restApi, stage: this.restApi.deploymentStage }],
    });

    const root = this.restApi.root;
    route(root.addResource('health'), 'GET', new LambdaIntegration(health), 'public');
    // Public like /health: describes the API, reveals no job.
    route(root.addResource('openapi.json'), 'GET', new LambdaIntegration(openApi), 'public');
    const jobs = root.addResource('jobs');
    route(jobs, 'POST', new LambdaIntegration(createExternalJob), 'jobs:submit');
    route(jobs, 'GET', new LambdaIntegration(listJobs), 'jobs:read');
    route(jobs.addResource('retry'), 'POST', new LambdaIntegration(retryFailedJobs), 'jobs:operate', jsonObjectBody);
    if (statsFunctions) {
      const stats = root.addResource('stats');
      route(stats, 'GET', new LambdaIntegration(statsFunctions.getStats), 'jobs:read');
      route(stats.addResource('series'), 'GET', new LambdaIntegration(statsFunctions.getStatsSeries), 'jobs:read');
    }
    const submit = new LambdaIntegration(submitJob);
    for (const type of Object.keys(props.queues))
      route(jobs.addResource(type), 'POST', submit, 'jobs:submit', jsonObjectBody);
    const job = jobs.addResource('{id}');
    route(job, 'GET', new LambdaIntegration(getJob), 'jobs:read');
    // POST /jobs/<unknown type> reaches the submit function, which refuses it with a clear 404.
    route(job, 'POST', submit, 'jobs:submit');
    route(job, 'DELETE', new LambdaIntegration(cancelJob), 'jobs:operate');
    route(job, 'PUT', new LambdaIntegration(reportExternalStatus), 'jobs:operate', jsonObjectBody);
    route(job.addResource('status'), 'GET', new LambdaIntegration(getJobStatus), 'jobs:read');
    route(
      job.addResource('events'),
      'GET',
      new LambdaIntegration(streamJobEvents, {
        responseTransferMode: ResponseTransferMode.STREAM,
        // A streamed response may last up to 15 min; this one outlives the function, which ends first.
        timeout: SSE_INTEGRATION_TIMEOUT,
      }),
      'jobs:read',
    );
    route(job.addResource('retry'), 'POST', new LambdaIntegration(retryJob), 'jobs:operate');
    route(root.addResource('job-types'), 'GET', new LambdaIntegration(listJobTypes), 'jobs:read');
    const queuesResource = root.addResource('queues');
    route(queuesResource, 'GET', new LambdaIntegration(listQueues), 'jobs:read');
    const queueResource = queuesResource.addResource('{type}');
    route(queueResource.addResource('redrive'), 'POST', new LambdaIntegration(redriveQueue), 'jobs:operate');
    const control = new LambdaIntegration(controlQueue);
    route(queueResource.addResource('pause'), 'POST', control, 'jobs:operate');
    route(queueResource.addResource('resume'), 'POST', control, 'jobs:operate');

    const tokenFunction = (id: string, entry: string, description: string, ...actions: TableAction[]) => {
      const fn = new JobFunction(this, id, {
        ...common,
        entry,
        description,
        // The plan's name, not its id: the plan depends on the stage, which depends on this function.
        environment: { TOKENS_TABLE_NAME: tokens.table.tableName, USAGE_PLAN_NAME: usagePlanName },
      });
      grantTableAccess(fn, tokens.table, { actions });
      return fn;
    };
    const createToken = tokenFunction(
      'CreateToken',
      'lambdas/tokens/create-token.ts',
      'Creates a scoped token and its usage-plan key',
      'PutItem',
    );
    const revokeToken = tokenFunction(
      'RevokeToken',
      'lambdas/tokens/revoke-token.ts',
      'Deletes a token and its usage-plan key',
      'DeleteItem',
    );
    const stack = Stack.of(this);
    const apiGatewayArn = (resource: string) => stack.formatArn({ service: 'apigateway', account: '', resource });
    const apiKeysArn = apiGatewayArn('/apikeys');
    // Plan-scoped ARNs would make a cycle (plan → stage → deployment → methods → functions → policy): any plan's keys.
    createToken.addToRolePolicy(
      new PolicyStatement({
        actions: ['apigateway:POST'],
        resources: [apiKeysArn, apiGatewayArn('/usageplans/*/keys')],
      }),
    );
    createToken.addToRolePolicy(
      new PolicyStatement({ actions: ['apigateway:GET'], resources: [apiGatewayArn('/usageplans')] }),
    );
    Validations.of(createToken).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:apigateway:<AWS::Region>::/usageplans/*/keys]',
      reason:
        "Naming the plan's id would make a dependency cycle (plan → stage → deployment → methods → function → policy); POST only, to add a token's key.",
    });
    for (const fn of [createToken, revokeToken]) {
      fn.addToRolePolicy(new PolicyStatement({ actions: ['apigateway:DELETE'], resources: [`${apiKeysArn}/*`] }));
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:apigateway:<AWS::Region>::/apikeys/*]',
        reason:
          "Each token's usage-plan key is created at run time with an id API Gateway generates; the token routes may only delete keys.",
      });
    }
    const tokensResource = root.addResource('tokens');
    route(tokensResource, 'POST', new LambdaIntegration(createToken), 'admin', jsonObjectBody);
    route(
      tokensResource,
      'GET',
      new LambdaIntegration(
        tokenFunction('ListTokens', 'lambdas/tokens/list-tokens.ts', 'Lists tokens (never their secrets)', 'Scan'),
      ),
      'admin',
    );
    route(tokensResource.addResource('{id}'), 'DELETE', new LambdaIntegration(revokeToken), 'admin');

    // The operator dashboard (web/dashboard): GET /dashboard (the page) and GET /dashboard/{file} (its assets).
    // Open: a browser cannot send a token for the page itself; the page asks for one and sends it on API calls.
    const dashboard = new LambdaIntegration(createDashboardFunction(this, 'Dashboard', common));
    const dashboardResource = root.addResource('dashboard');
    route(dashboardResource, 'GET', dashboard, 'public');
    route(dashboardResource.addResource('{file}'), 'GET', dashboard, 'public');
  }
}
