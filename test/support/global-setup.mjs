// @ts-check
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

export const TEST_API_KEY = 'test-api-key-0123456789';

/**
 * Starts the embedded local stack for the real app once per `npm test` (DynamoDB Local, fauxqs and
 * the API on free ports) and hands tests the same variables a user would set: JOBS_API_URL,
 * JOBS_API_KEY, AWS_ENDPOINT_URL_*. Its logs go to test-artifacts/local-stack.log.
 */
export default async function globalSetup() {
  if (process.env.JOBS_E2E_TARGET === 'remote') return useRemoteTarget();
  const artifacts = path.resolve('test-artifacts');
  mkdirSync(artifacts, { recursive: true });
  const logFile = createWriteStream(path.join(artifacts, 'local-stack.log'));
  const startedAt = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/local-stack-process.ts'], {
    // `npm test` has just run `cdk synth`: the local stack serves exactly that template.
    env: { ...process.env, JOBS_API_KEY: TEST_API_KEY, LOCAL_STACK_SYNTH: process.env.LOCAL_STACK_SYNTH ?? 'true' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stderr.pipe(logFile);
  globalThis.__jobsLocalStackProcess = child;

  const ready = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) resolve(JSON.parse(line.slice(6)));
      else logFile.write(`${line}\n`);
    });
    child.once('exit', (code) =>
      reject(new Error(`The local stack exited with ${code} before it was ready; see test-artifacts/local-stack.log`)),
    );
  });
  logFile.write(`ready in ${Date.now() - startedAt} ms\n`);
  Object.assign(process.env, {
    JOBS_API_URL: ready.url,
    JOBS_API_KEY: TEST_API_KEY,
    AWS_REGION: ready.emulators.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: ready.emulators.dynamodb,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: ready.emulators.dynamodb,
    AWS_ENDPOINT_URL_SQS: ready.emulators.sqs,
    LOCAL_STACK_TABLES: JSON.stringify(ready.tables),
    LOCAL_STACK_QUEUES: JSON.stringify(ready.queues),
  });
}

/**
 * `npm run test:e2e:remote`: the same end-to-end tests against LocalStack or a real deployment.
 * The URL comes from JOBS_API_URL or the `ApiUrl` output in cdk.outputs.json; the key from JOBS_API_KEY.
 */
function useRemoteTarget() {
  let url = process.env.JOBS_API_URL;
  if (!url && existsSync('cdk.outputs.json')) {
    const outputs = JSON.parse(readFileSync('cdk.outputs.json', 'utf8'));
    url = Object.values(outputs).find((stack) => stack && typeof stack === 'object' && 'ApiUrl' in stack)?.ApiUrl;
  }
  if (!url) throw new Error('JOBS_E2E_TARGET=remote needs JOBS_API_URL or an ApiUrl in cdk.outputs.json');
  if (!process.env.JOBS_API_KEY) throw new Error('JOBS_E2E_TARGET=remote needs JOBS_API_KEY (see the README)');
  process.env.JOBS_API_URL = url;
}
