import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { api } from '../support/api';

const CLI = path.resolve('bin/jobs.mjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Starts `jobs …` as a user would: the executable shim, with JOBS_API_URL and JOBS_API_KEY from the environment. */
const running = new Set<ChildProcess>();

afterEach(() => {
  // A test that failed half way must not leave a CLI waiting (and jest with it).
  for (const child of running) child.kill();
  running.clear();
});

function start(...args: string[]): { stdout: () => string; done: Promise<Run> } {
  const startedAt = Date.now();
  const child = spawn(CLI, args, { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Run>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      running.delete(child);
      resolve({ code, stdout, stderr, ms: Date.now() - startedAt });
    });
  });
  return { stdout: () => stdout, done };
}

const jobs = (...args: string[]): Promise<Run> => start(...args).done;

async function eventually(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function externalJob(): Promise<string> {
  const created = await api<{ id: string }>('/jobs', { method: 'POST', json: { id: `job_${randomUUID()}` } });
  expect(created.status).toBe(201);
  return created.body.id;
}

/** Fails with what the CLI printed, which says more than "expected 0, received 1". */
function expectExit(run: Run, code: number): void {
  if (run.code !== code)
    throw new Error(`expected exit ${code}, got ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
}

async function submitEmail(to: string): Promise<{ id: string; status: string }> {
  const run = await jobs('submit', 'email', '--to', to, '--subject', 'From the CLI', '--body', 'Hello', '--json');
  expectExit(run, 0);
  return JSON.parse(run.stdout) as { id: string; status: string };
}

describe('jobs CLI', () => {
  test('submit email --json, then status <id> --wait exits 0 with the result', async () => {
    const submitted = await submitEmail('success@simulator.amazonses.com');
    expect(submitted).toMatchObject({ id: expect.any(String), status: 'queued' });

    const run = await jobs('status', submitted.id, '--wait', '--timeout', '30000');
    expectExit(run, 0);
    // Not a terminal: plain lines per status change, then the outcome and the result.
    expect(run.stdout).toMatch(/^\s*\d+\.\ds {2}completed \(version \d+\)$/m);
    expect(run.stdout).toMatch(new RegExp(`^completed {2}job ${submitted.id} \\(email\\)`, 'm'));
    expect(run.stdout).toMatch(/^result: \{.+\}$/m);
    expect(run.stdout).not.toContain('\r');
  });

  test('status --wait shows each status change as it happens, one plain line each when not on a terminal', async () => {
    const id = await externalJob();
    const cli = start('status', id, '--wait');
    await eventually(() => cli.stdout().includes('pending (version 1)'));
    await api(`/jobs/${id}`, { method: 'PUT', json: { status: 'processing' } });
    // Normally within a second; a wake-up the server loses shows at the next poll, 20 s later.
    await eventually(() => cli.stdout().includes('processing (version 2)'), 25_000);
    await api(`/jobs/${id}`, { method: 'PUT', json: { status: 'done' } });
    const run = await cli.done;
    expectExit(run, 0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 3).map((line) => line.trim().replace(/^\d+\.\ds\s+/, ''))).toEqual([
      'pending (version 1)',
      'processing (version 2)',
      'done (version 3)',
    ]);
    expect(lines[3]).toMatch(new RegExp(`^done {2}job ${id} \\(external\\) after \\d+\\.\\ds`));
  });

  test('status --wait --json prints only the finished job', async () => {
    const submitted = await submitEmail('success@simulator.amazonses.com');
    const run = await jobs('status', submitted.id, '--wait', '--json');
    expectExit(run, 0);
    expect(JSON.parse(run.stdout)).toMatchObject({ id: submitted.id, status: 'completed', result: expect.any(Object) });
  });

  test('a job that fails (an email that bounces) ends with exit 1 and its error', async () => {
    const submitted = await submitEmail('bounce@simulator.amazonses.com');
    const run = await jobs('status', submitted.id, '--wait', '--timeout', '30000');
    expectExit(run, 1);
    expect(run.stdout).toMatch(new RegExp(`^failed {2}job ${submitted.id}`, 'm'));
    expect(run.stdout).toMatch(/^error: permanent: /m);
  });

  test('submit --wait follows the job it submitted', async () => {
    const run = await jobs('submit', 'cleanup', '--task', 'delete_temp', '--wait');
    expectExit(run, 0);
    expect(run.stdout).toMatch(/^submitted cleanup job \S+$/m);
    expect(run.stdout).toMatch(/^completed {2}job /m);
  });

  test('waiting on a job that does not finish in time exits 3 with the last status', async () => {
    const run = await jobs('status', await externalJob(), '--wait', '--timeout', '1500');
    expectExit(run, 3);
    expect(run.stderr).toMatch(/timed out/);
    expect(run.stderr).toMatch(/last seen pending \(version 1\)/);
    expect(run.ms).toBeLessThan(10_000);
  });

  test.each<[string[], RegExp]>([
    [['submit', 'email', '--to', 'a@example.com'], /email jobs need --subject, --body/],
    [['submit', 'fax', '--to', 'a@example.com'], /unknown job type "fax"/],
    [
      ['submit', 'sms', '--phone', '+14155550123', '--message', 'hi', '--subject', 'x'],
      /--subject does not apply to sms/,
    ],
    [['submit', 'cleanup', '--task', 'delete_temp', '--delay', 'soon'], /--delay must be a whole number/],
    [['status'], /missing job id/],
    [['status', 'abc', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['list', '--status', 'sleeping'], /unknown status "sleeping"/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [[], /Usage: jobs <command>/],
  ])('usage error %j exits 2 and says what is wrong', async (args, message) => {
    const run = await jobs(...args);
    expectExit(run, 2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  test('an API error exits 1 with the problem; with --json the problem is JSON on stderr', async () => {
    const unknown = randomUUID();
    const run = await jobs('status', unknown);
    expectExit(run, 1);
    expect(run.stderr).toMatch(/Job not found \(404\)/);

    const invalid = await jobs('submit', 'sms', '--phone', '0123', '--message', 'hi', '--json');
    expectExit(invalid, 1);
    const { error } = JSON.parse(invalid.stderr) as {
      error: { status: number; problem: { errors: { field: string }[] } };
    };
    expect(error.status).toBe(400);
    expect(error.problem.errors.map((e) => e.field)).toContain('phone');
  });

  test('cancel, then status of the cancelled job exits 1', async () => {
    const submitted = await jobs('submit', 'cleanup', '--task', 'delete_temp', '--delay', '60000', '--json');
    expectExit(submitted, 0);
    const { id, status } = JSON.parse(submitted.stdout) as { id: string; status: string };
    expect(status).toBe('delayed');
    const cancelled = await jobs('cancel', id);
    expectExit(cancelled, 0);
    expect(cancelled.stdout).toMatch(new RegExp(`^cancelled {2}job ${id}`));
    expectExit(await jobs('status', id), 1);
  });

  test('redrive reports what moved', async () => {
    const run = await jobs('redrive', 'sms', '--json');
    expectExit(run, 0);
    expect(JSON.parse(run.stdout)).toEqual({
      type: 'sms',
      moved: expect.any(Number),
      discarded: expect.any(Number),
      skipped: expect.any(Number),
    });
  });

  test('list and queues answer from the API', async () => {
    const list = await jobs('list', '--limit', '5', '--json');
    expectExit(list, 0);
    expect(JSON.parse(list.stdout)).toEqual(expect.objectContaining({ jobs: expect.any(Array) }));
    const queues = await jobs('queues');
    expectExit(queues, 0);
    expect(queues.stdout).toMatch(/^TYPE\s+VISIBLE\s+IN-FLIGHT\s+DELAYED\s+DEAD-LETTERS$/m);
  });

  test('--url overrides JOBS_API_URL', async () => {
    const run = await jobs('status', 'x', '--url', 'http://127.0.0.1:9');
    expectExit(run, 1);
    expect(run.stderr).toMatch(/Cannot reach http:\/\/127\.0\.0\.1:9\/jobs\/x\/status/);
  });

  test('--help lists the commands and exits 0', async () => {
    const run = await jobs('--help');
    expectExit(run, 0);
    for (const command of ['submit', 'status', 'list', 'cancel', 'redrive', 'queues'])
      expect(run.stdout).toContain(`  ${command}`);
    const submitHelp = await jobs('submit', '--help');
    expectExit(submitHelp, 0);
    expect(submitHelp.stdout).toContain('--idempotency-key');
  });
});
