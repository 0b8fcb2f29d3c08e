import { randomUUID } from 'node:crypto';
import { copyFile, mkdir } from 'node:fs/promises';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createSqsClient } from '../../src/aws/aws-clients';
import { api, apiUrl } from '../support/api';
import { launchChromium } from '../support/browser';

/**
 * The operator dashboard in a real browser (headless Chromium, driven by playwright-core) against
 * the local stack of the global setup: submit a job from the page, follow it to completed without
 * a reload, read its timeline, and check the page at 360 px. Screenshots go to test-artifacts/;
 * UPDATE_DOCS_SCREENSHOT=1 also copies the overview to docs/dashboard.png for the README.
 */

const ARTIFACTS = path.resolve('test-artifacts');

let browser: Browser | undefined;
let context: BrowserContext | undefined;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  ({ browser } = await launchChromium());
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('console', (message) => {
    // The reads refused before the token is given (401) are how the page learns it needs one.
    if (message.type() === 'error' && !/status of 401/.test(message.text()))
      consoleErrors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
  await mkdir(ARTIFACTS, { recursive: true });
  // The npm Chromium is unpacked into the temp directory on first use.
}, 60_000);

afterAll(async () => {
  await context?.close().catch(() => {});
  await browser?.close();
});

/** The page's horizontal overflow in CSS pixels (0 when nothing sticks out). */
async function horizontalOverflow(): Promise<number> {
  return page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
}

/** Reads need a token: the page asks for it in a dialog at its first refused read. */
async function giveToken(): Promise<void> {
  const dialog = page.getByRole('dialog', { name: 'API token' });
  await dialog.waitFor();
  await dialog.getByLabel('API token', { exact: true }).fill(process.env.JOBS_API_KEY ?? '');
  await dialog.getByRole('button', { name: 'Use this token' }).click();
  await dialog.waitFor({ state: 'hidden' });
}

test('submit a job from the dashboard and follow it to completed, live', async () => {
  const response = await page.goto(apiUrl('/dashboard'));
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
  await giveToken();
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
  // Counts and queues arrived (GET /stats, GET /queues).
  await page.getByRole('button', { name: /^queued: \d+ jobs/ }).waitFor();
  await page.getByRole('button', { name: 'Redrive the email dead-letter queue' }).waitFor();

  // Keyboard: the first Tab reaches the skip link.
  await page.keyboard.press('Tab');
  expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');

  // A marker that a reload would wipe out.
  await page.evaluate('window.__sameDocument = true');
  const subject = `Dashboard test ${Date.now()}`;
  // The forms are built from GET /job-types: the email form has the email schema's fields.
  const emailForm = page.getByRole('form', { name: 'email', exact: true });
  await emailForm.getByLabel('To', { exact: true }).fill('success@simulator.amazonses.com');
  await emailForm.getByLabel('Subject', { exact: true }).fill(subject);
  await emailForm.getByLabel('Body', { exact: true }).fill('Sent from the dashboard test');
  await page.getByRole('button', { name: 'Submit email job' }).click();

  // The token given for the reads submits the job; its page opens.
  const dialog = page.getByRole('dialog', { name: 'API token' });
  await page.waitForURL(/#\/jobs\/[^/]+$/, { timeout: 15_000 });
  const jobId = decodeURIComponent(new URL(page.url()).hash.replace('#/jobs/', ''));
  expect(jobId).not.toBe('');

  // Followed by long polls until completed: no reload.
  await page.locator('.job-actions .badge', { hasText: 'completed' }).waitFor({ timeout: 30_000 });
  expect(await page.evaluate('window.__sameDocument')).toBe(true);
  await page.getByText('Finished (completed)').waitFor();

  const timeline = await page.locator('.timeline .timeline-entry .badge').allTextContents();
  expect(timeline.filter((status) => ['queued', 'processing', 'completed'].includes(status))).toEqual([
    'queued',
    'processing',
    'completed',
  ]);
  await expect(page.locator('.summary').textContent()).resolves.toContain('1 of');
  // The payload is shown as the API gives it (body masked); the subject is there.
  await expect(page.locator('pre.code').first().textContent()).resolves.toContain(subject);
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-job.png'), fullPage: true });

  // The overview reads the chart series once when it opens, then follows the WebSocket: wait until
  // the stream counters (their own function, batching up to 1 s) have counted this job's finish.
  for (let waited = 0; waited < 15_000; waited += 250) {
    const { body } = await api<{ types: { type: string; total: { completed: number; p50Ms?: number } }[] }>(
      '/stats/series?minutes=5&type=email',
    );
    const email = body.types.find((t) => t.type === 'email');
    if (email && email.total.completed >= 1 && email.total.p50Ms !== undefined) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  // Back to the list: the job is there, completed.
  await page.getByRole('link', { name: '← All jobs' }).click();
  const row = page.locator('tr', { has: page.locator(`a[title="${jobId}"]`) });
  await row.locator('.badge', { hasText: 'completed' }).waitFor({ timeout: 15_000 });
  await page.getByRole('button', { name: /^completed: [1-9]\d* jobs/ }).waitFor();
  // The charts (GET /stats/series): the email card plots the completed job and its duration.
  const emailCharts = page.locator('article.chart-card[data-type="email"]');
  await emailCharts.locator('svg circle.point.series-completed').first().waitFor({ timeout: 15_000 });
  await emailCharts.locator('svg circle.point.series-p50').first().waitFor();
  const completedPoint = emailCharts.locator('svg circle.point.series-completed').last();
  expect(Number(await completedPoint.getAttribute('data-value'))).toBeGreaterThanOrEqual(1);
  expect(await emailCharts.locator('svg polyline.series-submitted').count()).toBeGreaterThanOrEqual(1);
  await expect(emailCharts.getByRole('img', { name: /^email: jobs per minute/ }).count()).resolves.toBe(1);

  // A delayed job can be cancelled from its page; the key is not asked for again.
  // The list re-rendered its forms: empty again (the schema gives no defaults).
  await emailForm.getByLabel('To', { exact: true }).fill('success@simulator.amazonses.com');
  await emailForm.getByLabel('Subject', { exact: true }).fill(`${subject} (delayed)`);
  await emailForm.getByLabel('Body', { exact: true }).fill('Cancelled before it runs');
  await emailForm.getByLabel(/^Delay \(seconds\)/).fill('600');
  await page.getByRole('button', { name: 'Submit email job' }).click();
  await page.waitForURL((url) => url.hash.startsWith('#/jobs/') && !url.hash.endsWith(encodeURIComponent(jobId)));
  expect(await dialog.isVisible()).toBe(false);
  await page.locator('.job-actions .badge', { hasText: 'delayed' }).waitFor();
  await page.getByRole('button', { name: 'Cancel job' }).click();
  await page.locator('.job-actions .badge', { hasText: 'cancelled' }).waitFor();
  await page.getByText('Finished (cancelled)').waitFor();
  await page.getByRole('link', { name: '← All jobs' }).click();
  await row.waitFor();
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  if (process.env.UPDATE_DOCS_SCREENSHOT === '1') {
    await mkdir(path.resolve('docs'), { recursive: true });
    await copyFile(path.join(ARTIFACTS, 'dashboard.png'), path.resolve('docs/dashboard.png'));
  }

  // Readable at 360 px: nothing wider than the viewport, on the list and on the job page.
  await page.setViewportSize({ width: 360, height: 800 });
  await row.waitFor();
  expect(await horizontalOverflow()).toBeLessThanOrEqual(0);
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-360.png'), fullPage: true });
  await row.getByRole('link').click();
  await page.locator('.job-actions .badge', { hasText: 'completed' }).waitFor();
  expect(await horizontalOverflow()).toBeLessThanOrEqual(0);
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-job-360.png'), fullPage: true });

  expect(consoleErrors).toEqual([]);
}, 90_000);

test('one submit form per job type of GET /job-types, its controls from the payload schema', async () => {
  const { jobTypes } = (await (
    await fetch(apiUrl('/job-types'), { headers: { authorization: `Bearer ${process.env.JOBS_API_KEY ?? ''}` } })
  ).json()) as {
    jobTypes: {
      name: string;
      payloadSchema: { properties: Record<string, { type?: string; enum?: unknown[] }>; required?: string[] };
      sensitiveFields: string[];
    }[];
  };
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(apiUrl('/dashboard'));
  await giveToken();
  await page.getByRole('button', { name: `Submit ${jobTypes[0]?.name} job` }).waitFor();
  const forms = await page.locator('form.submit-form').evaluateAll((elements) =>
    elements.map((form) => ({
      type: form.getAttribute('data-job-type'),
      controls: [...form.querySelectorAll('[name]')].map((control) => ({
        name: control.getAttribute('name'),
        tag: control.tagName.toLowerCase(),
        type: control.getAttribute('type') ?? control.tagName.toLowerCase(),
        required: control.hasAttribute('required'),
      })),
    })),
  );
  expect(forms.map((form) => form.type)).toEqual(jobTypes.map((type) => type.name));
  for (const type of jobTypes) {
    const controls = forms.find((form) => form.type === type.name)?.controls ?? [];
    expect(controls.map((control) => control.name)).toEqual(Object.keys(type.payloadSchema.properties));
    for (const control of controls) {
      const property = type.payloadSchema.properties[control.name];
      expect(control.required).toBe((type.payloadSchema.required ?? []).includes(control.name));
      if (property?.enum) expect(control.tag).toBe('select');
      else if (property?.type === 'integer' || property?.type === 'number') expect(control.type).toBe('number');
      else if (type.sensitiveFields.includes(control.name)) expect(['textarea', 'password']).toContain(control.type);
    }
  }
  // The email body is sensitive: a textarea, not a one-line input.
  expect(forms.find((form) => form.type === 'email')?.controls.find((c) => c.name === 'body')?.tag).toBe('textarea');
  expect(consoleErrors).toEqual([]);
}, 60_000);

test('retry a failed job from its page', async () => {
  const submitted = await fetch(apiUrl('/jobs/email'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env.JOBS_API_KEY ?? ''}` },
    body: JSON.stringify({ to: 'bounce@simulator.amazonses.com', subject: 'Bounces', body: 'Fails at once' }),
  });
  const { id } = (await submitted.json()) as { id: string };
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(apiUrl(`/dashboard#/jobs/${encodeURIComponent(id)}`));
  // Only the hash may have changed: reload, so that the tab has forgotten the token, as a new visit would.
  await page.reload();
  await giveToken();
  await page.locator('.job-actions .badge', { hasText: 'failed' }).waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Retry job' }).click();
  // Followed live: queued again, then (the address bounces) failed a second time, both in the timeline.
  await page.locator('.timeline .timeline-entry.status-failed').nth(1).waitFor({ timeout: 30_000 });
  const timeline = await page.locator('.timeline .timeline-entry .badge').allTextContents();
  expect(timeline.lastIndexOf('queued')).toBeGreaterThan(timeline.indexOf('failed'));
  await page.locator('.job-actions .badge', { hasText: 'failed' }).waitFor();
  await expect(page.locator('.summary').textContent()).resolves.toContain('1 of');
  expect(consoleErrors).toEqual([]);
}, 60_000);

test('redrive a dead-letter queue from the dashboard', async () => {
  const queues = JSON.parse(process.env.LOCAL_STACK_QUEUES ?? '{}') as Record<string, { queueUrl: string }>;
  const dlqUrl = Object.entries(queues).find(([id]) => id.startsWith('EmailJobsDeadLetterQueue'))?.[1].queueUrl;
  expect(dlqUrl).toBeDefined();
  // A dead letter whose job does not exist: the redrive reports it rather than moving it.
  await createSqsClient().send(
    new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: JSON.stringify({ jobId: randomUUID(), type: 'email' }) }),
  );

  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(apiUrl('/dashboard'));
  // A reload forgets the token (it lives in the tab's memory only), so it is asked for again.
  await giveToken();
  const redrive = page.getByRole('button', { name: 'Redrive the email dead-letter queue' });
  // Enabled: the page's read of GET /queues saw the dead letter.
  await page.locator('button[aria-label="Redrive the email dead-letter queue"]:not([disabled])').waitFor({
    timeout: 15_000,
  });
  await redrive.click();
  await page.getByText(/^Redrove the email DLQ: \d+ moved, \d+ discarded, \d+ skipped\.$/).waitFor();
  expect(consoleErrors).toEqual([]);
}, 30_000);

test('the overview follows a job to completed over the WebSocket only, and pauses and resumes a queue', async () => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(apiUrl('/dashboard#/'));
  await page.reload(); // a fresh visit: the tab forgets the token
  const sockets: string[] = [];
  page.on('websocket', (socket) => sockets.push(socket.url()));
  await giveToken();
  await page.locator('#live-state', { hasText: 'Live' }).waitFor({ timeout: 20_000 });
  await page.getByRole('button', { name: /^completed: \d+ jobs/ }).waitFor();
  const before = Number(
    (await page.getByRole('button', { name: /^completed: \d+ jobs/ }).getAttribute('aria-label'))?.match(/\d+/)?.[0],
  );

  // From here on, only the WebSocket: no HTTP request at all while the job runs.
  const requests: string[] = [];
  const record = (request: { url(): string }) => requests.push(request.url());
  page.on('request', record);
  const submitted = await fetch(apiUrl('/jobs/cleanup'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env.JOBS_API_KEY ?? ''}` },
    body: JSON.stringify({ task: 'delete_temp' }),
  });
  const { id } = (await submitted.json()) as { id: string };
  const row = page.locator(`tr[data-job-id="${id}"]`);
  await row.locator('.badge', { hasText: 'completed' }).waitFor({ timeout: 20_000 });
  const after = Number(
    (await page.getByRole('button', { name: /^completed: \d+ jobs/ }).getAttribute('aria-label'))?.match(/\d+/)?.[0],
  );
  expect(after).toBeGreaterThan(before);
  page.off('request', record);
  expect(requests).toEqual([]);
  expect(sockets.length).toBeGreaterThan(0);
  expect(sockets.every((url) => url.startsWith('ws://'))).toBe(true);

  // Pause the cleanup queue from the queues table; its state shows, then resume it.
  const state = page.locator('tr[data-queue="cleanup"] .queue-state');
  try {
    await page.getByRole('button', { name: 'Pause the cleanup queue' }).click();
    // Pausing… until the pollers' long polls in progress run out, then Paused.
    await state.filter({ hasText: /^Paus/ }).waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-paused.png'), fullPage: true });
    await page.getByRole('button', { name: 'Resume the cleanup queue' }).click();
    await state.filter({ hasText: 'Running' }).waitFor({ timeout: 15_000 });
  } finally {
    // Never leave the shared stack's queue paused.
    await fetch(apiUrl('/queues/cleanup/resume'), {
      method: 'POST',
      headers: { authorization: `Bearer ${process.env.JOBS_API_KEY ?? ''}` },
    });
  }

  // Find a job by id: an unknown one opens its page, which says 404.
  await page.getByLabel('Find a job by id').fill('no-such-job');
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await page.getByText('Job not found (404)', { exact: false }).waitFor();
  expect(consoleErrors.filter((line) => !/status of 404/.test(line))).toEqual([]);
}, 90_000);

test('on a deployment without stats (their routes 404), the overview says the counts are off and shows the rest', async () => {
  // What such a stack answers for a route it does not have, fetched from this one.
  const absent = await fetch(apiUrl('/no-such-route'), {
    headers: { authorization: `Bearer ${process.env.JOBS_API_KEY ?? ''}` },
  });
  expect(absent.status).toBe(404);
  const body = await absent.text();
  const contentType = absent.headers.get('content-type') ?? 'application/problem+json';
  const statsRoutes = /\/stats(\/series)?(\?|$)/;
  await page.route(statsRoutes, (route) => route.fulfill({ status: 404, contentType, body }));
  try {
    await page.goto(apiUrl('/dashboard#/'));
    await page.reload();
    await giveToken();
    await page.getByText('Counts are off in this deployment', { exact: false }).waitFor();
    await page.locator('tr[data-job-id]').first().waitFor();
    expect(await page.getByRole('heading', { name: /^Last \d+ minutes$/ }).isVisible()).toBe(false);
    expect(await page.getByRole('alert').filter({ hasText: /./ }).count()).toBe(0);
  } finally {
    await page.unroute(statsRoutes);
  }
}, 60_000);
