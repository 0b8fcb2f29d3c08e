/** Least privilege, customer-managed encryption, the alarms and the optional WAF rule, property by property. */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Key, type CfnKey } from 'aws-cdk-lib/aws-kms';
import { JobsPlatform } from '../../lib/jobs-platform';
import { JobsStack } from '../../lib/jobs-stack';
import { INBOX_TAG_KEY } from '../../src/aws/sqs-waiter-inboxes';

type Resource = { Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, string>> };

const newApp = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const plain = Template.fromStack(new JobsStack(newApp(), 'Plain'));
// A key of the same stack, as an app would make one; `Default` keeps the platform's logical ids.
const hardenedStack = new Stack(newApp(), 'Hardened');
const key = new Key(hardenedStack, 'Key', { enableKeyRotation: true });
new JobsPlatform(hardenedStack, 'Default', { encryptionKey: key, wafRateLimit: 600 });
const hardened = Template.fromStack(hardenedStack);

const resources = (t: Template, type: string) => Object.entries(t.findResources(type)) as [string, Resource][];
const refOf = (value: unknown) => {
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  return v.Ref ?? v['Fn::GetAtt']?.[0];
};

/** Each function's statements (from the policies of its role), by the function's description. */
function statementsByFunction(t: Template): Map<string, Statement[]> {
  const policies = resources(t, 'AWS::IAM::Policy');
  const result = new Map<string, Statement[]>();
  for (const [, fn] of resources(t, 'AWS::Lambda::Function')) {
    const role = refOf(fn.Properties.Role);
    const statements = policies
      .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => refOf(r) === role))
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    result.set(String(fn.Properties.Description), statements);
  }
  return result;
}
const actionsOf = (statements: Statement[], prefix: string) =>
  [...new Set(statements.flatMap((s) => [s.Action].flat()).filter((a) => a.startsWith(prefix)))].sort();

describe('least privilege', () => {
  const byFunction = statementsByFunction(plain);
  const dynamodb = (description: string) => actionsOf(byFunction.get(description) ?? [], 'dynamodb:');

  test.each([
    ['Reads one job, sensitive fields masked', ['dynamodb:GetItem']],
    // Writers also Query the waiters table: they wake the job's long polls right after their write.
    ['Cancels a job that has not started', ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']],
    ['Creates a job driven by an external system', ['dynamodb:PutItem']],
    ['Lists jobs newest first, by status or type', ['dynamodb:BatchGetItem', 'dynamodb:Query']],
    [
      'Re-sends the messages of jobs that stopped moving',
      ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
    ],
    ['Marks jobs whose messages reached a dead-letter queue as failed', ['dynamodb:GetItem', 'dynamodb:UpdateItem']],
    ['Enqueues scheduled jobs', ['dynamodb:PutItem', 'dynamodb:UpdateItem']],
    ['Creates a scoped token and its usage-plan key', ['dynamodb:PutItem']],
    ['Lists tokens (never their secrets)', ['dynamodb:Scan']],
    ['Deletes a token and its usage-plan key', ['dynamodb:DeleteItem']],
    ["Checks a request's bearer token and the scope its route needs", ['dynamodb:GetItem']],
    [
      "Removes a closed WebSocket connection's subscriptions ($disconnect)",
      ['dynamodb:BatchWriteItem', 'dynamodb:Query'],
    ],
  ])('%s: only %j on tables', (description, expected) => {
    expect(dynamodb(description)).toEqual(expected);
  });

  test.each([
    "Answers with a job's status now, or when it changes (long polling)",
    "Streams a job's status changes as Server-Sent Events",
    'Subscribes and unsubscribes WebSocket connections; answers the current state',
  ])('%s: its one update on the jobs table may name only the key and the follow mark', (description) => {
    const statements = byFunction.get(description) ?? [];
    const jobsTable = Object.keys(plain.findResources('AWS::DynamoDB::Table')).find((id) => id.startsWith('JobsTable'));
    const updates = statements.filter(
      (s) => [s.Action].flat().includes('dynamodb:UpdateItem') && JSON.stringify(s.Resource).includes(`"${jobsTable}"`),
    );
    expect(updates).toHaveLength(1);
    expect(updates[0]!.Action).toBe('dynamodb:UpdateItem');
    expect(updates[0]!.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['id', 'followedUntil'] },
      StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
    });
  });

  test('every consumer only reads and conditionally updates jobs; the submit function adds PutItem and the idempotency calls', () => {
    const consumers = [...byFunction.keys()].filter((d) => /^Processes \w+ jobs$/.test(d));
    expect(consumers.length).toBeGreaterThan(0);
    for (const consumer of consumers)
      expect(dynamodb(consumer)).toEqual(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(dynamodb('Validates a job, stores it and sends it to its type queue')).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
  });

  test('no function may scan, batch-read or describe a table but the token listing (scan), the stream counters (batch-read of their markers) and the job listing (batch-read of the summaries its keys-only index names), and none gets a dynamodb:* wildcard', () => {
    for (const [description, statements] of byFunction) {
      const actions = actionsOf(statements, 'dynamodb:');
      for (const action of actions) expect({ description, action }).not.toEqual({ description, action: 'dynamodb:*' });
      const readsMarkers = [
        'Counts job changes from the jobs table stream, per status and per minute',
        'Lists jobs newest first, by status or type',
      ].includes(description);
      expect({ description, batchGet: actions.includes('dynamodb:BatchGetItem') }).toEqual({
        description,
        batchGet: readsMarkers,
      });
      expect({ description, describe: actions.includes('dynamodb:DescribeTable') }).toEqual({
        description,
        describe: false,
      });
      if (description !== 'Lists tokens (never their secrets)')
        expect({ description, scan: actions.includes('dynamodb:Scan') }).toEqual({ description, scan: false });
    }
  });

  test('every statement on inboxes requires their tag: on the queue, or in the CreateQueue request', () => {
    const inboxStatements = [...byFunction.values()]
      .flat()
      .filter((s) => JSON.stringify(s.Resource).includes('Plain-inbox-*'));
    const actions = actionsOf(inboxStatements, 'sqs:');
    expect(actions).toEqual([
      'sqs:CreateQueue',
      'sqs:DeleteQueue',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
      'sqs:SendMessage',
      'sqs:SetQueueAttributes',
      'sqs:TagQueue',
    ]);
    for (const statement of inboxStatements) {
      const creates = [statement.Action].flat().includes('sqs:CreateQueue');
      expect(statement.Condition).toEqual({
        StringEquals: { [`aws:${creates ? 'RequestTag' : 'ResourceTag'}/${INBOX_TAG_KEY}`]: 'Plain-inbox-' },
      });
    }
  });

  test('the long-poll, notifier and janitor policies each cover only what their code calls on inboxes', () => {
    const onInboxes = (description: string) =>
      actionsOf(
        (byFunction.get(description) ?? []).filter((s) => JSON.stringify(s.Resource).includes('Plain-inbox-*')),
        'sqs:',
      );
    expect(onInboxes("Answers with a job's status now, or when it changes (long polling)")).toEqual([
      'sqs:CreateQueue',
      'sqs:ReceiveMessage',
      'sqs:SetQueueAttributes',
      'sqs:TagQueue',
    ]);
    expect(onInboxes('Wakes the long polls waiting on each changed job')).toEqual(['sqs:SendMessage']);
    expect(onInboxes('Deletes long-poll inboxes whose execution environment went away')).toEqual([
      'sqs:DeleteQueue',
      'sqs:GetQueueAttributes',
    ]);
  });
});

describe('encryption', () => {
  const keyArn = { 'Fn::GetAtt': [hardenedStack.getLogicalId(key.node.defaultChild as CfnKey), 'Arn'] };

  test('without a key: queues use SSE-SQS and no table, queue or log group names a KMS key', () => {
    for (const [, queue] of resources(plain, 'AWS::SQS::Queue')) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      expect(queue.Properties.KmsMasterKeyId).toBeUndefined();
    }
    for (const [, table] of resources(plain, 'AWS::DynamoDB::Table'))
      expect(
        (table.Properties.SSESpecification as { KMSMasterKeyId?: unknown } | undefined)?.KMSMasterKeyId,
      ).toBeUndefined();
    for (const [, group] of resources(plain, 'AWS::Logs::LogGroup')) expect(group.Properties.KmsKeyId).toBeUndefined();
    for (const [, topic] of resources(plain, 'AWS::SNS::Topic'))
      expect(topic.Properties.KmsMasterKeyId).toBeUndefined();
    expect(JSON.stringify(plain.toJSON())).not.toContain('INBOX_KMS_KEY_ID');
  });

  test('with a key: every table, queue, topic and log group is encrypted with it', () => {
    const tables = resources(hardened, 'AWS::DynamoDB::Table');
    expect(tables.length).toBeGreaterThanOrEqual(5);
    for (const [, table] of tables)
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn });
    for (const [, queue] of resources(hardened, 'AWS::SQS::Queue')) {
      expect(queue.Properties.KmsMasterKeyId).toEqual(keyArn);
      expect(queue.Properties.SqsManagedSseEnabled).toBeUndefined();
    }
    for (const [, group] of resources(hardened, 'AWS::Logs::LogGroup'))
      expect(group.Properties.KmsKeyId).toEqual(keyArn);
    const topics = resources(hardened, 'AWS::SNS::Topic');
    expect(topics.length).toBeGreaterThanOrEqual(1); // the alarm topic
    for (const [, topic] of topics) expect(topic.Properties.KmsMasterKeyId).toEqual(keyArn);
  });

  test.each([
    "Answers with a job's status now, or when it changes (long polling)",
    "Streams a job's status changes as Server-Sent Events",
  ])('with a key: %s creates its inboxes with it', (description) => {
    hardened.hasResourceProperties('AWS::Lambda::Function', {
      Description: description,
      Environment: { Variables: Match.objectLike({ INBOX_KMS_KEY_ID: keyArn }) },
    });
  });

  test('with a key: readers may decrypt, writers may also generate data keys, functions without data access get nothing', () => {
    const byFunction = statementsByFunction(hardened);
    const kms = (description: string) => actionsOf(byFunction.get(description) ?? [], 'kms:');
    expect(kms('Reads one job, sensitive fields masked')).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    expect(kms('Wakes the long polls waiting on each changed job')).toEqual([
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:Encrypt',
      'kms:GenerateDataKey',
    ]);
    expect(kms('Validates a job, stores it and sends it to its type queue')).toContain('kms:GenerateDataKey');
    expect(kms('Liveness of the API')).toEqual([]);
  });

  test('with a key created in the stack: its policy lets CloudWatch Logs use it for log groups only', () => {
    hardened.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  test('with a key created in the stack: CloudWatch alarms of this account may publish to the encrypted topic', () => {
    hardened.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
  });
});

describe('alarms', () => {
  const alarms = resources(plain, 'AWS::CloudWatch::Alarm');
  const topic = resources(plain, 'AWS::SNS::Topic')[0]?.[0];
  const alarmOn = (pattern: RegExp) => alarms.filter(([, a]) => pattern.test(JSON.stringify(a.Properties)));

  test('every alarm notifies the alarm topic', () => {
    expect(alarms.length).toBeGreaterThan(10);
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
  });

  test('API 5XX rate: the average of 5XXError above 5 % over 5 minutes', () => {
    plain.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5XXError',
      Statistic: 'Average',
      Period: 300,
      Threshold: 0.05,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  test('API p99 latency above 5 s on every route but the long poll', () => {
    const latency = alarmOn(/"MetricName":"Latency"/);
    expect(latency.length).toBeGreaterThanOrEqual(1);
    const routes = latency.flatMap(([, a]) =>
      (
        a.Properties.Metrics as {
          MetricStat?: { Stat: string; Metric: { Dimensions: { Name: string; Value: string }[] } };
        }[]
      )
        .filter((m) => m.MetricStat)
        .map((m) => {
          expect(m.MetricStat?.Stat).toBe('p99');
          const dimension = (name: string) => m.MetricStat?.Metric.Dimensions.find((d) => d.Name === name)?.Value;
          return `${dimension('Method')} ${dimension('Resource')}`;
        }),
    );
    expect(routes).toEqual(
      expect.arrayContaining(['POST /jobs/{id}', 'GET /jobs', 'GET /jobs/{id}', 'DELETE /jobs/{id}']),
    );
    expect(routes).not.toContain('GET /jobs/{id}/status');
    for (const [, a] of latency) expect(a.Properties.Threshold).toBe(5000);
  });

  test('every stream mapping has an iterator-age alarm and an on-failure queue with a depth alarm', () => {
    const streamMappings = resources(plain, 'AWS::Lambda::EventSourceMapping').filter(
      ([, m]) => m.Properties.StartingPosition,
    );
    expect(streamMappings.length).toBeGreaterThanOrEqual(1);
    const queues = Object.fromEntries(resources(plain, 'AWS::SQS::Queue'));
    for (const [, mapping] of streamMappings) {
      const fn = refOf(mapping.Properties.FunctionName);
      const iteratorAge = alarmOn(/"MetricName":"IteratorAge"/).filter(([, a]) =>
        JSON.stringify(a.Properties).includes(`"${fn}"`),
      );
      expect(iteratorAge).toHaveLength(1);
      expect(iteratorAge[0]?.[1].Properties).toMatchObject({ Statistic: 'Maximum', Threshold: 60_000 });
      const destination = refOf(
        (mapping.Properties.DestinationConfig as { OnFailure: { Destination: unknown } }).OnFailure.Destination,
      );
      expect(destination && queues[destination]).toBeDefined();
      const depth = alarmOn(/ApproximateNumberOfMessagesVisible/).filter(([, a]) =>
        JSON.stringify(a.Properties).includes(`"${destination}"`),
      );
      expect(depth).toHaveLength(1);
      expect(depth[0]?.[1].Properties.Threshold).toBe(0);
    }
    // Lambda sends the failure records with the function's role.
    const notifierSends = actionsOf(
      statementsByFunction(plain).get('Wakes the long polls waiting on each changed job') ?? [],
      'sqs:',
    );
    expect(notifierSends).toContain('sqs:SendMessage');
  });

  test('batch items failed, summed over the job types, and notifier failures each alarm on any', () => {
    const batch = alarmOn(/BatchItemsFailed/);
    expect(batch).toHaveLength(1);
    expect(JSON.stringify(batch[0]?.[1].Properties)).toMatch(/f0 \+ f1 \+ f2/);
    plain.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'NotifierFailures',
      Statistic: 'Sum',
      Threshold: 0,
    });
  });
});

describe('WAF', () => {
  test('off by default: no web ACL', () => {
    plain.resourceCountIs('AWS::WAFv2::WebACL', 0);
    plain.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
  });

  test('wafRateLimit adds a regional web ACL blocking client IPs above the rate, associated with the stage', () => {
    hardened.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      Rules: [
        Match.objectLike({
          Action: { Block: {} },
          Statement: { RateBasedStatement: { Limit: 600, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } },
        }),
      ],
    });
    const stage = resources(hardened, 'AWS::ApiGateway::Stage')[0]?.[0];
    const association = resources(hardened, 'AWS::WAFv2::WebACLAssociation')[0]?.[1];
    expect(JSON.stringify(association?.Properties.ResourceArn)).toContain(`"${stage}"`);
    expect(refOf(association?.Properties.WebACLArn)).toMatch(/WebAcl/);
  });

  test('a rate below WAF’s minimum is refused at synth time', () => {
    expect(() => new JobsStack(newApp(), 'TooLow', { wafRateLimit: 5 })).toThrow(/at least 10/);
  });
});
