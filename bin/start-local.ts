/**
 * `npm start`: runs this CDK app locally (API, queues, tables, event source mappings) with
 * no AWS account and no Docker. Options: PORT (default 3000), JOBS_API_KEY (default
 * "local-dev-api-key"), --no-synth to reuse the existing cdk.out (by default it synthesizes
 * only when the sources changed since the last synthesis; --synth always does), --no-schedules to run scheduled
 * rules only when fired by hand (POST /_local/rules/{rule}/fire), --data-dir DIR to keep tables,
 * queues and messages in DIR across restarts (default: in memory).
 */
import { parseArgs } from 'node:util';
import { startLocalStack } from '@serverless-jobs/local-stack';
import { seedLocalToken } from './local-token';

const DEFAULT_API_KEY = 'local-dev-api-key';
/** Variables of ours (JOBS_*, POWERTOOLS_*) set for `npm start` reach the functions too. */
const FUNCTION_ENV_PREFIXES = ['JOBS_', 'POWERTOOLS_'];

const port = Number(process.env.PORT ?? 3000);
const apiKey = process.env.JOBS_API_KEY ?? DEFAULT_API_KEY;
const { values: flags } = parseArgs({
  options: {
    synth: { type: 'boolean' },
    schedules: { type: 'boolean', default: true },
    'data-dir': { type: 'string' },
  },
  allowNegative: true,
});
const { schedules } = flags;
const synth = flags.synth ?? 'auto';
const dataDir = flags['data-dir'];

console.log(
  synth === false
    ? 'Starting the emulators (using the existing cdk.out)…'
    : `Starting the emulators${synth === true ? ' and synthesizing the CDK app' : ' (synthesizing the CDK app if its sources changed)'}…`,
);
const stack = await startLocalStack({
  port,
  synth,
  schedules,
  environmentPrefixes: FUNCTION_ENV_PREFIXES,
  ...(dataDir !== undefined ? { dataDir } : {}),
});

console.log('');
console.log(
  `Token (Authorization: Bearer …, or x-api-key), every scope: ${apiKey}${process.env.JOBS_API_KEY ? '' : '  (default; set JOBS_API_KEY to choose another)'}`,
);
console.log(
  `DynamoDB Local: ${stack.emulators.dynamodb}   e.g. aws dynamodb list-tables --endpoint-url ${stack.emulators.dynamodb}`,
);
console.log(`SQS (fauxqs):   ${stack.emulators.sqs}   e.g. aws sqs list-queues --endpoint-url ${stack.emulators.sqs}`);
if (dataDir !== undefined) console.log(`Data kept in ${dataDir} (start again with --data-dir ${dataDir} to resume)`);
const scheduledRules = Object.values(stack.rules).filter((rule) => rule.scheduleExpression !== undefined);
if (scheduledRules.length) {
  console.log(
    `Fire a scheduled rule now (local only): curl -X POST -H 'x-local-admin: 1' ${stack.url}/_local/rules/<rule>/fire   e.g.`,
  );
  for (const rule of scheduledRules)
    console.log(
      `  curl -X POST -H 'x-local-admin: 1' ${stack.url}/_local/rules/${encodeURIComponent(rule.ruleName)}/fire`,
    );
}
console.log(
  `(AWS CLI: AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=${stack.emulators.region}.) Ctrl+C stops everything.`,
);

let stopping = false;
async function shutdown(signal: string, exitCode = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the local stack…`);
  await stack.stop();
  process.exit(exitCode);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

// The default token, stored like any other (hashed, with its usage-plan key) once signals are handled.
try {
  await seedLocalToken(stack, apiKey);
} catch (error) {
  if (!stopping) {
    console.error(`Could not store JOBS_API_KEY as a token: ${(error as Error).message}`);
    await shutdown('error', 1);
  }
}
