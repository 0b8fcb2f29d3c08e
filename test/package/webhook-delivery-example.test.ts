/**
 * examples/webhook-delivery, as a user would have it: a CDK app of its own that gets serverless-jobs
 * from the tarball `npm pack` makes (never from ../../src), declares one job type (signed webhook
 * delivery), synthesizes, and runs on the embedded local stack against a real HTTP receiver here.
 *
 * Only the package itself is installed with npm (its declared dependencies come from the npm
 * cache). The app's other dependencies (aws-cdk-lib, constructs, zod, esbuild, typescript) are
 * linked from this repository's node_modules: a full install of them took 100 s on this machine.
 */
import { execFile } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startLocalStack, type LocalStack } from '@serverless-jobs/local-stack';
import { seedLocalToken } from '../../bin/local-token';
import { packPackage, ROOT } from './packed-package';

const run = promisify(execFile);
const EXAMPLE = path.join(ROOT, 'examples/webhook-delivery');
const API_KEY = 'webhook-example-key';
const SECRET = 'example-signing-secret-5d1c';

interface Delivery {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly rawBody: string;
  readonly signatureValid: boolean;
  readonly answer: number | 'none';
}

interface JobBody {
  id: string;
  status: string;
  attempts: number;
  payload: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { kind: string; message: string };
  history: { status: string; attempt: number; error?: string }[];
}

const scratch = mkdtempSync(path.join(tmpdir(), 'webhook-example-'));
const appDir = path.join(scratch, 'app');
const deliveries: Delivery[] = [];
const logLines: string[] = [];
const savedPath = process.env.PATH;
let receiver: Server;
let receiverUrl: string;
let stack: LocalStack | undefined;
const timings: Record<string, number> = {};
/** `tsc -p` of the installed app, run beside the synthesis (both only need the installed app): its failure, if any. */
let typechecked: Promise<Error | undefined>;
/** What the functions print: their threads' stdout is piped into this process's. */
const functionOutput: string[] = [];
const writeStdout = process.stdout.write.bind(process.stdout);

function signatureValid(rawBody: string, header: string | string[] | undefined): boolean {
  // Computed here, independently of the example's own signing code.
  const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(rawBody).digest('hex')}`);
  const received = Buffer.from(typeof header === 'string' ? header : '');
  return expected.length === received.length && timingSafeEqual(expected, received);
}

/**
 * The receiver, by path: `ok` answers 200; `reject` 400; `flaky` 503 the first time, then 200;
 * `hang` never answers the first request, then 200. An invalid signature is always a 401.
 */
function startReceiver(): Promise<void> {
  const seen = new Map<string, number>();
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const route = request.url ?? '/';
      const count = (seen.get(route) ?? 0) + 1;
      seen.set(route, count);
      const valid = signatureValid(rawBody, request.headers['x-signature-256']);
      const behaviour = route.split('/')[2];
      let answer: number | 'none' = 200;
      if (!valid) answer = 401;
      else if (behaviour === 'reject') answer = 400;
      else if (behaviour === 'flaky' && count === 1) answer = 503;
      else if (behaviour === 'hang' && count === 1) answer = 'none';
      deliveries.push({ path: route, headers: request.headers, rawBody, signatureValid: valid, answer });
      if (answer !== 'none') response.writeHead(answer, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    receiver.listen(0, '127.0.0.1', () => {
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
      resolve();
    }),
  );
}

/** The example copied as a user's checkout, with serverless-jobs installed from the tarball. */
async function installExample(): Promise<void> {
  let started = Date.now();
  const packed = await packPackage(scratch);
  timings.packMs = Date.now() - started;
  timings.tarballBytes = packed.size;

  cpSync(EXAMPLE, appDir, {
    recursive: true,
    filter: (source) => !/[/\\](node_modules|cdk\.out|package-lock\.json)$/.test(source),
  });
  const manifest = JSON.parse(readFileSync(path.join(appDir, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const linked = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).filter(
    // The local stack is used through its API from this repository (below), not as the app's command.
    (name) => name !== 'serverless-jobs' && name !== '@serverless-jobs/local-stack',
  );
  writeFileSync(
    path.join(appDir, 'package.json'),
    JSON.stringify({ ...manifest, dependencies: {}, devDependencies: {} }, null, 2),
  );
  started = Date.now();
  await run(
    'npm',
    [
      'install',
      packed.tarball,
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--legacy-peer-deps',
      '--loglevel=error',
    ],
    { cwd: appDir, maxBuffer: 16 * 1024 * 1024 },
  );
  timings.installMs = Date.now() - started;
  for (const name of linked) {
    if (existsSync(path.join(appDir, 'node_modules', name))) continue; // installed as a dependency of the package
    mkdirSync(path.dirname(path.join(appDir, 'node_modules', name)), { recursive: true });
    symlinkSync(path.join(ROOT, 'node_modules', name), path.join(appDir, 'node_modules', name), 'dir');
  }
  // NodejsFunction runs the app's esbuild (`npx --no-install esbuild` in the app's folder).
  symlinkSync(path.join(ROOT, 'node_modules/esbuild/bin/esbuild'), path.join(appDir, 'node_modules/.bin/esbuild'));
}

async function call<T>(
  route: string,
  init: { method?: string; json?: unknown } = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${stack!.url}${route}`, {
    method: init.method ?? 'GET',
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function submit(behaviour: string, body: Record<string, unknown>): Promise<JobBody> {
  const submitted = await call<JobBody>('/jobs/webhook', {
    method: 'POST',
    json: { url: `${receiverUrl}/hooks/${behaviour}/${crypto.randomUUID()}`, event: 'order.paid', body },
  });
  expect(submitted.status).toBe(202);
  return submitted.body;
}

async function finished(id: string): Promise<JobBody> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const { body } = await call<JobBody>(`/jobs/${id}`);
    if (['completed', 'failed'].includes(body.status) || Date.now() > deadline) return body;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const deliveriesTo = (job: JobBody) =>
  deliveries.filter((delivery) => delivery.path === new URL(String(job.payload.url)).pathname);

beforeAll(async () => {
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    functionOutput.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return writeStdout(chunk, ...rest);
  }) as typeof process.stdout.write;
  await startReceiver();
  await installExample();
  const typecheckStarted = Date.now();
  typechecked = run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', appDir]).then(
    () => {
      timings.typecheckMs = Date.now() - typecheckStarted;
      return undefined;
    },
    (error: Error) => error,
  );
  // The app's command is `node bin/app.ts` (Node's own TypeScript support): this Node, first on PATH.
  process.env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${savedPath ?? ''}`;
  const reuse = process.env.AWS_ENDPOINT_URL_DYNAMODB && process.env.AWS_ENDPOINT_URL_SQS;
  const started = Date.now();
  stack = await startLocalStack({
    appDir,
    port: 0,
    apiKeys: [API_KEY],
    schedules: false,
    context: { webhookSigningSecret: SECRET },
    ...(reuse
      ? {
          emulators: {
            dynamodb: process.env.AWS_ENDPOINT_URL_DYNAMODB!,
            sqs: process.env.AWS_ENDPOINT_URL_SQS!,
            region: process.env.AWS_REGION ?? 'us-east-1',
          },
        }
      : {}),
    log: (line) => logLines.push(line),
  });
  // What `npm start` does for JOBS_API_KEY: the key becomes a token with every scope.
  await seedLocalToken(stack, API_KEY);
  timings.synthAndStartMs = Date.now() - started;
}, 600_000);

afterAll(async () => {
  process.stdout.write = writeStdout;
  process.env.PATH = savedPath;
  await stack?.stop();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
  rmSync(scratch, { recursive: true, force: true });
  console.log(`webhook example: ${JSON.stringify(timings)}`);
});

test('the app imports serverless-jobs through its public entry points only, and type-checks against them', async () => {
  const sources = ['bin/app.ts', 'job-types/index.ts', 'job-types/webhook.ts', 'job-types/webhook-delivery.ts'];
  const imports = sources.flatMap((file) =>
    [...readFileSync(path.join(EXAMPLE, file), 'utf8').matchAll(/from '([^']+)'/g)].map((match) => match[1]!),
  );
  expect(imports.filter((specifier) => specifier.includes('serverless-jobs'))).toEqual(
    expect.arrayContaining(['serverless-jobs/cdk', 'serverless-jobs/job-types']),
  );
  expect(imports.filter((specifier) => specifier.startsWith('../../') || specifier.includes('/src/'))).toEqual([]);
  const failure = await typechecked;
  if (failure) throw failure;
}, 120_000);

test('GET /job-types describes the app’s own type: payload schema, masked body, its configuration', async () => {
  const { body } = await call<{ jobTypes: { name: string; sensitiveFields: string[]; config: object }[] }>(
    '/job-types',
  );
  expect(body.jobTypes.map((type) => type.name)).toEqual(['webhook']);
  expect(body.jobTypes[0]).toMatchObject({
    sensitiveFields: ['body'],
    config: { maxAttempts: 4, timeoutSeconds: 5, backoff: { baseMs: 500, capMs: 60_000 } },
  });
});

test('an http URL to anything but this machine is refused, naming the field', async () => {
  const { status, body } = await call<{ errors: { field: string }[] }>('/jobs/webhook', {
    method: 'POST',
    json: { url: 'http://example.com/hook', event: 'order.paid', body: {} },
  });
  expect(status).toBe(400);
  expect(body.errors.map((error) => error.field)).toEqual(['url']);
});

test('deliveries: signed and delivered; 400 fails at once; 503 then 200 is retried; no answer times out and is retried', async () => {
  const order = { orderId: 'o-1842', amount: { currency: 'EUR', cents: 12_990 }, items: ['book', 'pen'] };
  const [ok, rejected, flaky, hanging] = await Promise.all([
    submit('ok', order),
    submit('reject', { orderId: 'o-1843' }),
    submit('flaky', { orderId: 'o-1844' }),
    submit('hang', { orderId: 'o-1845' }),
  ]);
  expect(ok.payload.body).toBe('***');
  const [okJob, rejectedJob, flakyJob, hangingJob] = await Promise.all([
    finished(ok.id),
    finished(rejected.id),
    finished(flaky.id),
    finished(hanging.id),
  ]);

  // Delivered once, the signature valid over the exact bytes received, which are the submitted JSON.
  expect(okJob).toMatchObject({ status: 'completed', attempts: 1, result: { status: 200 } });
  const [delivered] = deliveriesTo(okJob);
  expect(deliveriesTo(okJob)).toHaveLength(1);
  expect(delivered).toMatchObject({ signatureValid: true, answer: 200 });
  expect(JSON.parse(delivered!.rawBody)).toEqual(order);
  expect(delivered!.headers).toMatchObject({
    'content-type': 'application/json',
    'x-webhook-id': `${okJob.id}:1`,
    'x-webhook-event': 'order.paid',
    'x-webhook-attempt': '1',
  });

  // A 4xx is permanent: failed after one attempt, no second request.
  expect(rejectedJob).toMatchObject({ status: 'failed', attempts: 1, error: { kind: 'permanent' } });
  expect(rejectedJob.error?.message).toContain('receiver answered 400');
  expect(deliveriesTo(rejectedJob).map((delivery) => delivery.answer)).toEqual([400]);

  // A 5xx is transient: retried, then delivered, with the same delivery id (the run's) on both attempts.
  expect(flakyJob).toMatchObject({ status: 'completed', attempts: 2 });
  expect(flakyJob.history.map((entry) => entry.status)).toContain('retrying');
  expect(deliveriesTo(flakyJob).map((delivery) => [delivery.answer, delivery.headers['x-webhook-attempt']])).toEqual([
    [503, '1'],
    [200, '2'],
  ]);
  expect(new Set(deliveriesTo(flakyJob).map((delivery) => delivery.headers['x-webhook-id']))).toEqual(
    new Set([`${flakyJob.id}:1`]),
  );

  // No answer: the job's signal ends the request before the worker's 5 s timeout; retried, delivered.
  expect(hangingJob).toMatchObject({ status: 'completed', attempts: 2 });
  expect(hangingJob.history.find((entry) => entry.status === 'retrying')?.error).toContain('deadline');
  expect(deliveriesTo(hangingJob).map((delivery) => delivery.answer)).toEqual(['none', 200]);

  expect(deliveries.every((delivery) => delivery.signatureValid)).toBe(true);
  // The body is sensitive: it never reaches a log line (the functions' output, which the workers' log lines prove is read).
  expect(functionOutput.join('')).toContain('Webhook delivered');
  expect(functionOutput.join('')).not.toContain('o-1842');
}, 120_000);

test('the installed jobsctl (the package’s bin, run from dist/) lists the app’s type and submits one to completion', async () => {
  const jobsctl = path.join(appDir, 'node_modules/.bin/jobsctl');
  const options = ['--url', stack!.url, '--api-key', API_KEY];
  const types = await run(process.execPath, [jobsctl, 'types', ...options]);
  expect(types.stdout).toContain('webhook');
  const payload = { url: `${receiverUrl}/hooks/ok/${crypto.randomUUID()}`, event: 'order.shipped', body: { n: 1 } };
  const submitted = await run(process.execPath, [
    jobsctl,
    'submit',
    'webhook',
    '--data',
    JSON.stringify(payload),
    '--wait',
    '--json',
    ...options,
  ]);
  expect(JSON.parse(submitted.stdout)).toMatchObject({ status: 'completed', result: { status: 200 } });
  expect(deliveries.filter((delivery) => delivery.path === new URL(payload.url).pathname)).toHaveLength(1);
}, 60_000);
