import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { LambdaIntegration, ResponseType, RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { JOB_TYPES, type JobType } from '../../src/jobs/job';
import { JobFunction } from './job-function';
import type { LongPoll } from './long-poll';

export interface JobsApiProps {
  table: Table;
  idempotencyTable: Table;
  queues: Record<JobType, Queue>;
  deadLetterQueues: Record<JobType, Queue>;
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

  constructor(scope: Construct, id: string, props: JobsApiProps) {
    super(scope, id);
    const common = { logRetention: props.logRetention, removalPolicy: props.removalPolicy };
    const tableEnv = { JOBS_TABLE_NAME: props.table.tableName };
    const queueEnv = Object.fromEntries(
      JOB_TYPES.map((type) => [`${type.toUpperCase()}_QUEUE_URL`, props.queues[type].queueUrl]),
    );
    const deadLetterQueueEnv = Object.fromEntries(
      JOB_TYPES.map((type) => [`${type.toUpperCase()}_DLQ_URL`, props.deadLetterQueues[type].queueUrl]),
    );

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
    for (const type of JOB_TYPES) props.queues[type].grantSendMessages(submitJob);

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
    const redriveQueue = new JobFunction(this, 'RedriveQueue', {
      ...common,
      entry: 'lambdas/api/redrive-queue.ts',
      description: "Moves a job type's dead letters back to its queue",
      timeout: Duration.seconds(28),
      environment: { ...tableEnv, ...queueEnv, ...deadLetterQueueEnv },
    });
    props.table.grantReadWriteData(redriveQueue);
    for (const type of JOB_TYPES) {
      props.queues[type].grantSendMessages(redriveQueue);
      props.deadLetterQueues[type].grantConsumeMessages(redriveQueue);
    }
    const listJobs = new JobFunction(this, 'ListJobs', {
      ...common,
      entry: 'lambdas/api/list-jobs.ts',
      description: 'Lists jobs newest first, by status or type',
      environment: tableEnv,
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
        resources: JOB_TYPES.flatMap((type) => [props.queues[type].queueArn, props.deadLetterQueues[type].queueArn]),
      }),
    );
    const health = new JobFunction(this, 'Health', {
      ...common,
      entry: 'lambdas/api/health.ts',
      description: 'Liveness of the API',
    });

    this.restApi = new RestApi(this, 'RestApi', {
      restApiName: 'serverless-jobs',
      description: 'Background jobs: submit, inspect and wait for jobs',
      deployOptions: { stageName: props.stageName },
    });
    // API Gateway answers unknown routes with 403 "Missing Authentication Token"; a 404 problem is what clients expect.
    this.restApi.addGatewayResponse('UnknownRoute', {
      type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
      statusCode: '404',
      responseHeaders: { 'Content-Type': "'application/problem+json'" },
      templates: {
        'application/json': JSON.stringify({
          type: 'urn:serverless-jobs:problem:route-not-found',
          title: 'Not Found',
          status: 404,
          detail: 'No such route',
        }),
      },
    });

    const root = this.restApi.root;
    root.addResource('health').addMethod('GET', new LambdaIntegration(health));
    const jobs = root.addResource('jobs');
    jobs.addMethod('POST', new LambdaIntegration(createExternalJob));
    jobs.addMethod('GET', new LambdaIntegration(listJobs));
    root.addResource('stats').addMethod('GET', new LambdaIntegration(getStats));
    const submit = new LambdaIntegration(submitJob);
    for (const type of JOB_TYPES) jobs.addResource(type).addMethod('POST', submit);
    const job = jobs.addResource('{id}');
    job.addMethod('GET', new LambdaIntegration(getJob));
    // POST /jobs/<unknown type> reaches the submit function, which refuses it with a clear 404.
    job.addMethod('POST', submit);
    job.addMethod('DELETE', new LambdaIntegration(cancelJob));
    job.addMethod('PUT', new LambdaIntegration(reportExternalStatus));
    job.addResource('status').addMethod('GET', new LambdaIntegration(getJobStatus));
    const queuesResource = root.addResource('queues');
    queuesResource.addMethod('GET', new LambdaIntegration(listQueues));
    queuesResource.addResource('{type}').addResource('redrive').addMethod('POST', new LambdaIntegration(redriveQueue));
  }
}
