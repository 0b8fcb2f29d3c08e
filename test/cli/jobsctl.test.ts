import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { api } from '../support/api';

const CLI = path.resolve('bin/jobsctl.mjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Starts `jobsctl …` as a user would: the executable shim, with JOBS_API_URL and JOBS_API_KEY from the environment. */
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

describe('jobsctl CLI', () => {
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

  test('watch <id…> shows each change live, one plain line each off a terminal, and exits 0 when all are done', async () => {
    const [first, second] = [await externalJob(), await externalJob()];
    const cli = start('watch', first, second);
    await eventually(() => cli.stdout().includes(`${first}  pending`) && cli.stdout().includes(`${second}  pending`));
    await api(`/jobs/${first}`, { method: 'PUT', json: { status: 'processing' } });
    await eventually(() => cli.stdout().includes(`${first}  processing`));
    for (const id of [first, second]) await api(`/jobs/${id}`, { method: 'PUT', json: { status: 'done' } });
    const run = await cli.done;
    expectExit(run, 0);
    const changes = run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => line.replace(/^\d\d:\d\d:\d\d {2}/, '').replace(/\s+/g, ' '));
    expect(changes.filter((line) => line.startsWith(first))).toEqual([
      `${first} pending v1`,
      `${first} processing v2`,
      `${first} done v3`,
    ]);
    expect(changes.filter((line) => line.startsWith(second))).toEqual([`${second} pending v1`, `${second} done v2`]);
  });

  test('watch refuses ids together with a filter, and an unknown status', async () => {
    expectExit(await jobs('watch', 'job_1', '--type', 'email'), 2);
    const run = await jobs('watch', '--status', 'asleep');
    expectExit(run, 2);
    expect(run.stderr).toContain('--status must be one of');
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
    // Flags come from the type's schema: another type's field is an unknown option.
    [['submit', 'sms', '--phone', '+14155550123', '--message', 'hi', '--subject', 'x'], /Unknown option '--subject'/],
    [['submit', 'cleanup', '--task', 'sweep'], /--task must be one of delete_temp, remove_old_logs, expire_sessions/],
    [['submit', 'cleanup', '--task', 'delete_temp', '--duration-ms', '1.5'], /--duration-ms must be a whole number/],
    [['submit', 'cleanup', '--data', '{"task":'], /--data is not JSON/],
    [['submit', 'cleanup', '--data', '[1]'], /--data must be a JSON object/],
    [['submit', 'cleanup', '--data', '@/nonexistent/payload.json'], /cannot read --data file/],
    [['retry'], /missing job id/],
    [['submit', 'cleanup', '--task', 'delete_temp', '--delay', 'soon'], /--delay must be a whole number/],
    [['status'], /missing job id/],
    [['status', 'abc', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['list', '--status', 'sleeping'], /unknown status "sleeping"/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [[], /Usage: jobsctl <command>/],
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
    expect(queues.stdout).toMatch(/^TYPE\s+VISIBLE\s+IN-FLIGHT\s+DELAYED\s+DEAD-LETTERS\s+PAUSED$/m);
  });

  test('queues pause and resume a type, and refuse an unknown one', async () => {
    try {
      const paused = await jobs('queues', 'pause', 'sms');
      expectExit(paused, 0);
      expect(paused.stdout).toMatch(/^sms: paused \((Disabling|Disabled)\)$/m);
      const listed = await jobs('queues');
      expect(listed.stdout).toMatch(/^sms\s+\d+\s+\d+\s+\d+\s+\d+\s+(pausing|yes)$/m);
    } finally {
      const resumed = await jobs('queues', 'resume', 'sms');
      expectExit(resumed, 0);
      expect(resumed.stdout).toMatch(/^sms: running \((Enabling|Enabled)\)$/m);
    }
    expectExit(await jobs('queues', 'pause', 'nope'), 1);
    expectExit(await jobs('queues', 'stop', 'sms'), 2);
  });

  test('--url overrides JOBS_API_URL', async () => {
    const run = await jobs('status', 'x', '--url', 'http://127.0.0.1:9');
    expectExit(run, 1);
    expect(run.stderr).toMatch(/Cannot reach http:\/\/127\.0\.0\.1:9\/jobs\/x\/status/);
  });

  test('--help lists the commands and exits 0', async () => {
    const run = await jobs('--help');
    expectExit(run, 0);
    for (const command of ['submit', 'types', 'status', 'list', 'cancel', 'retry', 'redrive', 'queues'])
      expect(run.stdout).toContain(`  ${command}`);
    const submitHelp = await jobs('submit', '--help');
    expectExit(submitHelp, 0);
    expect(submitHelp.stdout).toContain('--idempotency-key');
    expect(submitHelp.stdout).toContain('--data <json|@file>');
  });

  test('the command is jobsctl, which no shell builtin shadows; there is no jobs bin', async () => {
    const { bin } = JSON.parse(await readFile('package.json', 'utf8')) as { bin: Record<string, string> };
    expect(bin).toEqual({ jobsctl: 'bin/jobsctl.mjs' });
  });

  test("submit <type> --help lists the type's fields, read from its JSON Schema", async () => {
    const cleanup = await jobs('submit', 'cleanup', '--help');
    expectExit(cleanup, 0);
    expect(cleanup.stdout).toMatch(/^ {2}--task delete_temp\|remove_old_logs\|expire_sessions +required$/m);
    expect(cleanup.stdout).toMatch(/^ {2}--simulate-failures <integer> +optional · 0–100/m);
    expect(cleanup.stdout).toMatch(/^ {2}--duration-ms <integer> +optional/m);
    const email = await jobs('submit', 'email', '--help');
    expectExit(email, 0);
    expect(email.stdout).toMatch(/^ {2}--to <text> +required · email/m);
    expect(email.stdout).toMatch(/^Sensitive \(masked in every answer\): body$/m);
  });

  test('types lists every declared type with its flags', async () => {
    const run = await jobs('types');
    expectExit(run, 0);
    expect(run.stdout).toMatch(/^email {2}--to --subject --body$/m);
    expect(run.stdout).toMatch(/^cleanup {2}--task \[--simulate-failures\] \[--duration-ms\]$/m);
    const json = await jobs('types', '--json');
    const { jobTypes } = JSON.parse(json.stdout) as { jobTypes: { name: string }[] };
    expect(jobTypes.map((type) => type.name)).toEqual(expect.arrayContaining(['email', 'sms', 'cleanup']));
  });

  test('--data gives the payload as JSON or from a file; flags override its fields', async () => {
    const inline = await jobs('submit', 'cleanup', '--data', '{"task":"remove_old_logs"}', '--json');
    expectExit(inline, 0);
    expect(JSON.parse(inline.stdout)).toMatchObject({ type: 'cleanup', payload: { task: 'remove_old_logs' } });

    const dir = await mkdtemp(path.join(tmpdir(), 'jobsctl-'));
    try {
      const file = path.join(dir, 'payload.json');
      await writeFile(file, JSON.stringify({ task: 'remove_old_logs', durationMs: 5 }));
      const run = await jobs('submit', 'cleanup', '--data', `@${file}`, '--task', 'expire_sessions', '--json');
      expectExit(run, 0);
      expect(JSON.parse(run.stdout)).toMatchObject({ payload: { task: 'expire_sessions', durationMs: 5 } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('retry <id> sends a failed job round again with fresh attempts; any other status is refused', async () => {
    const submitted = await submitEmail('bounce@simulator.amazonses.com');
    expectExit(await jobs('status', submitted.id, '--wait', '--timeout', '30000'), 1);

    const retried = await jobs('retry', submitted.id, '--json');
    expectExit(retried, 0);
    expect(JSON.parse(retried.stdout)).toMatchObject({ id: submitted.id, status: 'queued', attempts: 0 });
    // It bounces again: failed, after one fresh attempt.
    const again = await jobs('status', submitted.id, '--wait', '--timeout', '30000');
    expectExit(again, 1);
    expect(again.stdout).toMatch(new RegExp(`^failed {2}job ${submitted.id} \\(email\\).* · attempt 1/`, 'm'));

    const completed = await submitEmail('success@simulator.amazonses.com');
    expectExit(await jobs('status', completed.id, '--wait', '--timeout', '30000'), 0);
    const refused = await jobs('retry', completed.id);
    expectExit(refused, 1);
    expect(refused.stderr).toMatch(/Conflict \(409\)/);
  });
});
