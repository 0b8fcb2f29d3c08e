import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startLocalStackChild, type LocalStackChild } from '../../scripts/bench/local-stack-child';
import { formatSoakReport, maxInboxes, runSoak } from '../../scripts/reliability/soak-run';
import { soakTargets } from '../../scripts/reliability/soak-targets';

/**
 * The short soak (`npm run soak` is the full one): SOAK_POLLS (200) long polls, a fifth aborted by
 * the client, against a local stack of its own; nothing may be left behind.
 */
const API_KEY = 'soak-test-api-key';
let stack: LocalStackChild;

beforeAll(async () => {
  stack = await startLocalStackChild({ apiKey: API_KEY, logLevel: 'ERROR', nodeOptions: ['--expose-gc'] });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

test('long polls leave no waiter registration and no notice behind', async () => {
  const { region, dynamodb, sqs: sqsEndpoint } = stack.ready.emulators;
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const dynamoDbClient = new DynamoDBClient({ region, endpoint: dynamodb, credentials });
  const sqs = new SQSClient({ region, endpoint: sqsEndpoint, credentials });
  try {
    const targets = soakTargets(stack.ready);
    const clients = 8;
    const report = await runSoak({
      url: stack.ready.url,
      apiKey: API_KEY,
      polls: Number(process.env.SOAK_POLLS ?? 200),
      clients,
      warmupPolls: 40,
      documentClient: DynamoDBDocumentClient.from(dynamoDbClient),
      sqs,
      ...targets,
      memory: () => stack.memory(),
    });
    const summary = formatSoakReport(report).join('\n');
    expect(report.aborted).toBeGreaterThan(0);
    expect({ summary, waiters: report.waiterRegistrationsLeft, notices: report.inboxMessagesLeft }).toEqual({
      summary,
      waiters: 0,
      notices: 0,
    });
    const metrics = await stack.metrics();
    // One inbox per execution environment of the status function, plus one set aside per aborted
    // poll whose receive may still be waiting in SQS at most: never one per poll.
    expect(report.inboxQueues).toBeLessThanOrEqual(maxInboxes(report, metrics[targets.statusFunction]!.coldStarts));
  } finally {
    dynamoDbClient.destroy();
    sqs.destroy();
  }
}, 420_000);
