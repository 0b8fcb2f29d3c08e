/**
 * `npm run soak`: SOAK_POLLS (10000) long polls by SOAK_CLIENTS (16) clients (mixed timeouts, a
 * fifth aborted by the client) against a local stack this script starts with --expose-gc, after a
 * warm-up of SOAK_WARMUP (500) polls. Prints what is left behind (waiter registrations, inbox
 * queues and their notices) and the stack process's resident memory after GC before and after;
 * exits 1 when anything is left or RSS grew by 10 % or more.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startLocalStackChild } from './bench/local-stack-child';
import { formatSoakReport, maxInboxes, runSoak, soakFailed } from './reliability/soak-run';
import { soakTargets } from './reliability/soak-targets';

const API_KEY = 'soak-api-key-0123456';
const log = (line: string) => console.error(line);

log('soak: starting the local stack…');
const stack = await startLocalStackChild({ apiKey: API_KEY, logLevel: 'ERROR', nodeOptions: ['--expose-gc'] });
const { region, dynamodb, sqs: sqsEndpoint } = stack.ready.emulators;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const dynamoDbClient = new DynamoDBClient({ region, endpoint: dynamodb, credentials });
const sqs = new SQSClient({ region, endpoint: sqsEndpoint, credentials });
let failed: boolean;
try {
  const targets = soakTargets(stack.ready);
  const report = await runSoak({
    url: stack.ready.url,
    apiKey: API_KEY,
    polls: Number(process.env.SOAK_POLLS ?? 10_000),
    clients: Number(process.env.SOAK_CLIENTS ?? 16),
    warmupPolls: Number(process.env.SOAK_WARMUP ?? 500),
    documentClient: DynamoDBDocumentClient.from(dynamoDbClient),
    sqs,
    ...targets,
    memory: () => stack.memory(),
    log,
  });
  for (const line of formatSoakReport(report)) console.log(line);
  const environments = (await stack.metrics())[targets.statusFunction]?.coldStarts ?? 0;
  console.log(
    `status function execution environments started: ${environments}; inbox queues allowed: ${maxInboxes(report, environments)}`,
  );
  failed = soakFailed(report, environments);
} finally {
  dynamoDbClient.destroy();
  sqs.destroy();
  await stack.stop();
}
process.exit(failed ? 1 : 0);
