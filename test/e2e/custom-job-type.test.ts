/**
 * A fourth job type added the way a user adds one: one file (checksum.ts) and one line in their
 * registry, in their own CDK app using the JobsPlatform construct, outside the platform's src/.
 * The app is synthesized and run on the embedded local stack; nothing else was edited for it.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { compileErrors, validate } from '@readme/openapi-parser';
import { startLocalStack, type LocalStack } from '@serverless-jobs/local-stack';
import { seedLocalToken } from '../../bin/local-token';
import { launchChromium } from '../support/browser';

const appDir = path.resolve('test/fixtures/custom-job-type-app');
const API_KEY = 'custom-app-key-0123456';
const onLocalStack = Boolean(process.env.LOCAL_STACK_TABLES);
const describeOnLocalStack = onLocalStack ? describe : describe.skip;

let stack: LocalStack;
const logLines: string[] = [];

interface JobBody {
  id: string;
  status: string;
  payload: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { kind: string; message: string };
  history: { status: string; error?: string }[];
}

interface OpenApi {
  paths: Record<
    string,
    Record<string, { requestBody?: { required?: boolean; content: Record<string, { schema?: SchemaObject }> } }>
  >;
  components: { schemas: Record<string, SchemaObject> };
}
type SchemaObject = Record<string, unknown> & { $ref?: string; description?: string };

/** A `#/components/schemas/…` reference followed to its schema. */
function resolve(document: OpenApi, schema: SchemaObject | undefined): SchemaObject {
  const name = schema?.$ref?.replace('#/components/schemas/', '');
  const resolved = name === undefined ? schema : document.components.schemas[name];
  if (!resolved) throw new Error(`Unresolvable schema ${JSON.stringify(schema)}`);
  return resolved;
}

async function call<T>(
  p: string,
  init: { method?: string; json?: unknown } = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${stack.url}${p}`, {
    method: init.method ?? 'GET',
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function finished(id: string): Promise<JobBody> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { body } = await call<JobBody>(`/jobs/${id}`);
    if (['completed', 'failed'].includes(body.status) || Date.now() > deadline) return body;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describeOnLocalStack('a user-defined job type in a user’s own CDK app', () => {
  beforeAll(async () => {
    // The emulators of the suite's local stack are reused; this app's tables and queues have their own names.
    stack = await startLocalStack({
      appDir,
      port: 0,
      schedules: false,
      emulators: {
        dynamodb: process.env.AWS_ENDPOINT_URL_DYNAMODB ?? '',
        sqs: process.env.AWS_ENDPOINT_URL_SQS ?? '',
        region: process.env.AWS_REGION ?? 'us-east-1',
      },
      log: (line) => logLines.push(line),
    });
    await seedLocalToken(stack, API_KEY);
  }, 600_000);

  afterAll(async () => {
    await stack?.stop();
  });

  test('GET /job-types describes it next to the built-in types: JSON Schema, masked fields, config', async () => {
    const { status, body } = await call<{ jobTypes: Record<string, unknown>[] }>('/job-types');
    expect(status).toBe(200);
    expect(body.jobTypes.map((type) => type.name)).toEqual(['email', 'sms', 'cleanup', 'checksum']);
    expect(body.jobTypes[3]).toEqual({
      name: 'checksum',
      payloadSchema: expect.objectContaining({
        type: 'object',
        properties: expect.objectContaining({
          text: expect.objectContaining({ type: 'string', minLength: 1 }),
          algorithm: expect.objectContaining({ enum: ['sha256', 'sha512'] }),
        }),
        required: ['text', 'algorithm'],
        additionalProperties: false,
      }),
      sensitiveFields: ['text'],
      recipientFields: ['requestedBy'],
      config: {
        maxAttempts: 2,
        backoff: { baseMs: 1000, capMs: 900_000 },
        batchSize: 10,
        maxBatchingWindowSeconds: 0,
        maxConcurrency: 2,
        timeoutSeconds: 10,
        memorySize: 256,
      },
    });
  });

  test('GET /openapi.json documents it: its submit route, its payload schema under the request body', async () => {
    const { status, body: document } = await call<OpenApi>('/openapi.json');
    expect(status).toBe(200);
    const result = await validate(structuredClone(document) as unknown as Parameters<typeof validate>[0]);
    if (!result.valid) throw new Error(compileErrors(result));
    const requestBody = document.paths['/jobs/checksum']?.post?.requestBody;
    expect(requestBody?.required).toBe(true);
    const submission = resolve(document, requestBody?.content['application/json']?.schema);
    expect(submission).toMatchObject({
      type: 'object',
      properties: {
        text: expect.objectContaining({ type: 'string', minLength: 1 }),
        algorithm: expect.objectContaining({ enum: ['sha256', 'sha512'] }),
        requestedBy: expect.objectContaining({ type: 'string', format: 'email' }),
        // The platform's timing fields sit next to the type's own.
        delay: expect.any(Object),
        runAt: expect.any(Object),
      },
      required: ['text', 'algorithm'],
    });
    expect(submission.description).toContain('Masked in every answer: text');
  });

  test("the dashboard, in a real browser, offers its submit form with the schema's fields", async () => {
    const { browser } = await launchChromium();
    try {
      const page = await browser.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      expect((await page.goto(`${stack.url}/dashboard`))?.status()).toBe(200);
      // Reads need a token: the page asks for one at its first refused read.
      const dialog = page.getByRole('dialog', { name: 'API token' });
      await dialog.getByLabel('API token', { exact: true }).fill(API_KEY);
      await dialog.getByRole('button', { name: 'Use this token' }).click();
      const form = page.getByRole('form', { name: 'checksum', exact: true });
      await form.waitFor({ timeout: 20_000 });
      // Built from GET /job-types: a secret textarea, a choice of the enum's values, an email input.
      const text = form.getByLabel('Text', { exact: true });
      expect(await text.evaluate((element) => [element.tagName, element.hasAttribute('required')])).toEqual([
        'TEXTAREA',
        true,
      ]);
      const algorithm = form.getByLabel('Algorithm', { exact: true });
      expect(await algorithm.locator('option').allTextContents()).toEqual(['sha256', 'sha512']);
      expect(await form.getByLabel('Requested by', { exact: true }).getAttribute('type')).toBe('email');
      await form.getByRole('button', { name: 'Submit checksum job' }).waitFor();
      // The built-in types' forms are there too, from the same registry.
      for (const name of ['email', 'sms', 'cleanup']) await page.getByRole('form', { name, exact: true }).waitFor();
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);

  test('it is submitted, run by its own worker with its own processor, and its secret never shows', async () => {
    const submitted = await call<JobBody>('/jobs/checksum', {
      method: 'POST',
      json: { text: 'correct horse battery staple', algorithm: 'sha256', requestedBy: 'ravi@example.com' },
    });
    expect(submitted.status).toBe(202);
    expect(submitted.body.payload).toEqual({ text: '***', algorithm: 'sha256', requestedBy: 'r***@example.com' });
    const job = await finished(submitted.body.id);
    expect(job.status).toBe('completed');
    expect(job.result).toEqual({
      algorithm: 'sha256',
      digest: createHash('sha256').update('correct horse battery staple').digest('hex'),
    });
    expect(JSON.stringify(logLines)).not.toContain('correct horse battery staple');
    expect(JSON.stringify(logLines)).not.toContain('ravi@example.com');
  });

  test('its schema validates submissions: every bad field is named in a 400', async () => {
    const { status, body } = await call<{ errors: { field: string }[] }>('/jobs/checksum', {
      method: 'POST',
      json: { text: '', algorithm: 'md5' },
    });
    expect(status).toBe(400);
    expect(body.errors.map((error) => error.field).sort()).toEqual(['algorithm', 'text']);
  });

  test('its permanent failure fails the job at once, the error masked; a retry sends it round again', async () => {
    const submitted = await call<JobBody>('/jobs/checksum', {
      method: 'POST',
      json: { text: 'refuse', algorithm: 'sha512', requestedBy: 'ravi@example.com' },
    });
    const failed = await finished(submitted.body.id);
    expect(failed).toMatchObject({ status: 'failed', error: { kind: 'permanent' } });
    expect(failed.error?.message).toBe('r***@example.com asked to hash "***"');

    const retried = await call<JobBody>(`/jobs/${failed.id}/retry`, { method: 'POST' });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ status: 'queued', attempts: 0, round: 2 });
    expect(retried.body).not.toHaveProperty('error');
    const again = await finished(failed.id);
    expect(again.status).toBe('failed');
    expect(again.history.map((entry) => entry.status)).toEqual([
      'queued',
      'processing',
      'failed',
      'queued',
      'processing',
      'failed',
    ]);
  });

  test('only a failed job is retried: a completed one is a 409, an unknown id a 404', async () => {
    const submitted = await call<JobBody>('/jobs/checksum', {
      method: 'POST',
      json: { text: 'x', algorithm: 'sha256' },
    });
    expect((await finished(submitted.body.id)).status).toBe('completed');
    const completed = await call<{ status: number; type: string }>(`/jobs/${submitted.body.id}/retry`, {
      method: 'POST',
    });
    expect(completed.status).toBe(409);
    expect((await call(`/jobs/no-such-job/retry`, { method: 'POST' })).status).toBe(404);
  });
});
