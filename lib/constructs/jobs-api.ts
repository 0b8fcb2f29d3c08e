import { Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  JsonSchemaType,
  JsonSchemaVersion,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RestApi,
  type IApiKey,
  type MethodOptions,
} from 'aws-cdk-lib/aws-apigateway';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CursorSigningKey } from './cursor-signing-key';
import { createDashboardFunction } from './dashboard-function';
import { JobFunction } from './job-function';
import type { LongPoll } from './long-poll';
import { problemGatewayResponses } from './problem-gateway-responses';
import { queueUrlEnvironment } from './queue-url-environment';

export interface JobsApiProps {
  /** Require the API key on reads too (writes always need it). */
  requireApiKeyForReads: boolean;
  /** Usage plan throttling of every caller. */
  throttle: { rateLimit: number; burstLimit: number };
  table: Table;
  idempotencyTable: Table;
  /** Each job type's queue and DLQ, by type name: one submit route per type. */
  queues: Readonly<Record<string, Queue>>;
  deadLetterQueues: Readonly<Record<string, Queue>>;
  configsJson: string;
  longPoll: LongPoll;
  /** The longest a long poll may hold a request; below API Gateway's 29 s integration timeout. */
  maxLongPollTimeoutMs: number;
  stageName: string;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

/** The REST API (API Gateway v1, Lambda proxy): one small function per route, each with only the access it needs. */
export class JobsApi extends Construct {
  readonly restApi: RestApi;
  readonly apiKey: IApiKey;

  constructor(scope: Construct, id: string, props: JobsApiProps) {
    super(scope, id);
    const common = { logRetention: props.logRetention, removalPolicy: props.removalPolicy };
    const tableEnv = { JOBS_TABLE_NAME: props.table.tableName };
    const queueEnv = queueUrlEnvironment(props.queues, 'QUEUE_URL');
    const deadLetterQueueEnv = queueUrlEnvironment(props.deadLetterQueues, 'DLQ_URL');
    const queues = Object.values(props.queues);
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
    props.table.grantWriteData(submitJob);
    props.idempotencyTable.grantReadWriteData(submitJob);
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
    });
    props.longPoll.grantWait(getJobStatus);
    const createExternalJob = new JobFunction(this, 'CreateExternalJob', {
      ...common,
      entry: 'lambdas/api/create-external-job.ts',
      description: 'Creates a job driven by an external system',
      environment: tableEnv,
    });
    props.table.grantWriteData(createExternalJob);
    const reportExternalStatus = new JobFunction(this, 'ReportExternalStatus', {
      ...common,
      entry: 'lambdas/api/report-external-status.ts',
      description: "Records an external job's status",
      environment: tableEnv,
    });
    props.table.grantReadWriteData(reportExternalStatus);
    for (const reader of [getJob, getJobStatus]) props.table.grantReadData(reader);
    const cancelJob = new JobFunction(this, 'CancelJob', {
      ...common,
      entry: 'lambdas/api/cancel-job.ts',
      description: 'Cancels a job that has not started',
      environment: tableEnv,
    });
    props.table.grantReadWriteData(cancelJob);
    const retryJob = new JobFunction(this, 'RetryJob', {
      ...common,
      entry: 'lambdas/api/retry-job.ts',
      description: 'Sends a failed job round again with fresh attempts',
      environment: { ...tableEnv, ...queueEnv, JOB_TYPE_CONFIGS: props.configsJson },
    });
    props.table.grantReadWriteData(retryJob);
    for (const queue of queues) queue.grantSendMessages(retryJob);
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
    props.table.grantReadWriteData(redriveQueue);
    for (const queue of queues) queue.grantSendMessages(redriveQueue);
    for (const queue of deadLetterQueues) queue.grantConsumeMessages(redriveQueue);
    const listJobs = new JobFunction(this, 'ListJobs', {
      ...common,
      entry: 'lambdas/api/list-jobs.ts',
      description: 'Lists jobs newest first, by status or type',
      environment: { ...tableEnv, CURSOR_SIGNING_KEY: new CursorSigningKey(this, 'CursorSigningKey').environmentValue },
    });
    const getStats = new JobFunction(this, 'GetStats', {
      ...common,
      entry: 'lambdas/api/get-stats.ts',
      description: 'Counts retained jobs per status and type',
      timeout: Duration.seconds(20),
      environment: tableEnv,
    });
    for (const reader of [listJobs, getStats]) props.table.grantReadData(reader);
    const listQueues = new JobFunction(this, 'ListQueues', {
      ...common,
      entry: 'lambdas/api/list-queues.ts',
      description: 'Reports queue and DLQ depths per job type',
      environment: { ...queueEnv, ...deadLetterQueueEnv },
    });
    listQueues.addToRolePolicy(
      new PolicyStatement({
        actions: ['sqs:GetQueueAttributes'],
        resources: [...queues, ...deadLetterQueues].map((queue) => queue.queueArn),
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
      environment: { READS_NEED_API_KEY: String(props.requireApiKeyForReads) },
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
      deployOptions: {
        stageName: props.stageName,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: MethodLoggingLevel.ERROR,
        tracingEnabled: true,
        metricsEnabled: true,
      },
    });
    for (const [id, response] of Object.entries(problemGatewayResponses)) this.restApi.addGatewayResponse(id, response);

    // Writes need an API key (throttled by the usage plan); reads by id stay open unless asked otherwise:
    // job ids are unguessable UUIDs.
    const write: MethodOptions = { apiKeyRequired: true };
    const read: MethodOptions = { apiKeyRequired: props.requireApiKeyForReads };
    const jsonObjectBody: MethodOptions = {
      ...write,
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
    this.apiKey = this.restApi.addApiKey('ApiKey', { description: 'Key for the job write routes' });
    this.restApi
      .addUsagePlan('UsagePlan', {
        description: 'Throttles callers of the job API',
        throttle: props.throttle,
        apiStages: [{ api: this.restApi, stage: this.restApi.deploymentStage }],
      })
      .addApiKey(this.apiKey);

    const root = this.restApi.root;
    root.addResource('health').addMethod('GET', new LambdaIntegration(health));
    // Public like /health: describes the API, reveals no job.
    root.addResource('openapi.json').addMethod('GET', new LambdaIntegration(openApi), { apiKeyRequired: false });
    const jobs = root.addResource('jobs');
    jobs.addMethod('POST', new LambdaIntegration(createExternalJob), write);
    jobs.addMethod('GET', new LambdaIntegration(listJobs), read);
    root.addResource('stats').addMethod('GET', new LambdaIntegration(getStats), read);
    const submit = new LambdaIntegration(submitJob);
    for (const type of Object.keys(props.queues)) jobs.addResource(type).addMethod('POST', submit, jsonObjectBody);
    const job = jobs.addResource('{id}');
    job.addMethod('GET', new LambdaIntegration(getJob), read);
    // POST /jobs/<unknown type> reaches the submit function, which refuses it with a clear 404.
    job.addMethod('POST', submit, write);
    job.addMethod('DELETE', new LambdaIntegration(cancelJob), write);
    job.addMethod('PUT', new LambdaIntegration(reportExternalStatus), jsonObjectBody);
    job.addResource('status').addMethod('GET', new LambdaIntegration(getJobStatus), read);
    job.addResource('retry').addMethod('POST', new LambdaIntegration(retryJob), write);
    root.addResource('job-types').addMethod('GET', new LambdaIntegration(listJobTypes), read);
    const queuesResource = root.addResource('queues');
    queuesResource.addMethod('GET', new LambdaIntegration(listQueues), read);
    queuesResource
      .addResource('{type}')
      .addResource('redrive')
      .addMethod('POST', new LambdaIntegration(redriveQueue), write);

    // The operator dashboard (web/dashboard): GET /dashboard (the page) and GET /dashboard/{file} (its assets).
    // Open: a browser cannot send the key for the page itself; the page asks for it and sends it on API calls.
    const dashboard = new LambdaIntegration(createDashboardFunction(this, 'Dashboard', common));
    const dashboardResource = root.addResource('dashboard');
    dashboardResource.addMethod('GET', dashboard, { apiKeyRequired: false });
    dashboardResource.addResource('{file}').addMethod('GET', dashboard, { apiKeyRequired: false });
  }
}
