import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { DUE_AT_ATTRIBUTE, DUE_SHARD_ATTRIBUTE, JOBS_BY_DUE_INDEX } from '../../src/aws/dynamodb-due-jobs';
import { JobReconciler } from '../../lib/constructs/job-reconciler';
import { jobsTableEnvironment } from '../../lib/constructs/jobs-table';
import { JobsStack } from '../../lib/jobs-stack';

const bundlingOff = { 'aws:cdk:bundling-stacks': [] };

function reconcilerTemplate(interval?: Duration): Template {
  const stack = new Stack(new App({ context: bundlingOff }), 'Test');
  const table = new Table(stack, 'Jobs', { partitionKey: { name: 'id', type: AttributeType.STRING } });
  table.addGlobalSecondaryIndex({ indexName: 'byDue', partitionKey: { name: 'dueShard', type: AttributeType.STRING } });
  const queues = {
    email: new Queue(stack, 'Email'),
    sms: new Queue(stack, 'Sms'),
    cleanup: new Queue(stack, 'Cleanup'),
  };
  new JobReconciler(stack, 'Reconciler', {
    table,
    tableEnvironment: jobsTableEnvironment(table.tableName, { listing: 8, due: 5 }),
    queues,
    configsJson: '{}',
    alarmTopic: new Topic(stack, 'Alarms'),
    metricsNamespace: 'Ns',
    serviceName: 'svc',
    logRetention: RetentionDays.ONE_DAY,
    removalPolicy: RemovalPolicy.DESTROY,
    ...(interval ? { interval } : {}),
  });
  return Template.fromStack(stack);
}

describe('JobReconciler', () => {
  const template = reconcilerTemplate();

  test('its function gets the table and its shard counts, the configs and every queue URL', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Re-sends the messages of jobs that stopped moving',
      Timeout: 50,
      Environment: {
        Variables: Match.objectLike({
          JOBS_TABLE_NAME: { Ref: Match.stringLikeRegexp('^Jobs') },
          JOBS_DUE_SHARDS: '5',
          JOB_TYPE_CONFIGS: '{}',
          EMAIL_QUEUE_URL: { Ref: Match.stringLikeRegexp('^Email') },
          SMS_QUEUE_URL: { Ref: Match.stringLikeRegexp('^Sms') },
          CLEANUP_QUEUE_URL: { Ref: Match.stringLikeRegexp('^Cleanup') },
        }),
      },
    });
  });

  test('runs every minute by default, or at the interval given', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReconcilerFunction'), 'Arn'] } })],
    });
    reconcilerTemplate(Duration.minutes(5)).hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
    });
  });

  test('may send to every job queue and query the byDue index, no other', () => {
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    for (const queue of ['Email', 'Sms', 'Cleanup']) {
      expect(policies).toMatch(new RegExp(`"sqs:SendMessage".*?"${queue}[0-9A-F]+"`));
    }
    expect(policies).toContain('dynamodb:Query');
    expect(policies).toContain(`/index/${JOBS_BY_DUE_INDEX}`);
    expect(policies).not.toContain('/index/*');
  });

  test('alarms on any rescue, summed over the job types, to the alarm topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'r0 + r1 + r2', ReturnData: true }),
        Match.objectLike({
          Id: 'r0',
          ReturnData: false,
          MetricStat: Match.objectLike({
            Metric: {
              Namespace: 'Ns',
              MetricName: 'JobsRescued',
              Dimensions: [
                { Name: 'service', Value: 'svc' },
                { Name: 'type', Value: 'email' },
              ],
            },
            Stat: 'Sum',
            Period: 300,
          }),
        }),
      ]),
    });
  });
});

describe('JobsStack wiring of the reconciler', () => {
  const template = Template.fromStack(new JobsStack(new App({ context: bundlingOff }), 'Stack'));

  test('the jobs table has a sparse, sharded due index projecting the type', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: Match.arrayWith([
        {
          IndexName: JOBS_BY_DUE_INDEX,
          KeySchema: [
            { AttributeName: DUE_SHARD_ATTRIBUTE, KeyType: 'HASH' },
            { AttributeName: DUE_AT_ATTRIBUTE, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['type'] },
        },
      ]),
    });
  });

  test('the reconciler runs on a schedule with the real job type configs', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Re-sends the messages of jobs that stopped moving',
      Environment: { Variables: Match.objectLike({ JOB_TYPE_CONFIGS: Match.stringLikeRegexp('"maxAttempts"') }) },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      Description: 'Rescue jobs whose messages were lost',
      ScheduleExpression: 'rate(1 minute)',
    });
  });

  test('the listing function gets a cursor key generated by Secrets Manager, never a literal', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Lists jobs newest first, by status or type',
      Environment: {
        Variables: Match.objectLike({
          CURSOR_SIGNING_KEY: {
            'Fn::Join': [
              '',
              ['{{resolve:secretsmanager:', { Ref: Match.stringLikeRegexp('CursorSigningKey') }, ':SecretString:::}}'],
            ],
          },
        }),
      },
    });
  });
});
