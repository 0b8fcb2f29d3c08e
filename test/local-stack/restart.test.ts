/**
 * Restart without loss: `npm start -- --data-dir DIR` is killed with SIGKILL in the middle of a
 * run, its emulators go with it, and started again on the same folder it finds every table,
 * queue and message again: every job accepted before the kill reaches a final status.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const API_KEY = 'restart-test-key';
const FINAL = ['completed', 'failed', 'cancelled'];
/**
 * A message a consumer held at the kill comes back after the queue's visibility timeout (email:
 * 6 × 30 s), as on AWS; a job whose message was never sent is rescued by the reconciler after its
 * margin (visibility + 60 s) on its next run (every minute). Plus start-up on a loaded machine.
 */
const FINAL_WITHIN_MS = (180 + 60 + 60 + 60) * 1000;

interface RunningStack {
  child: ChildProcess;
  url: string;
  exited: Promise<number | string | null>;
  output: string[];
}

/** Every process below `pid`, level by level. */
function descendants(pid: number): number[] {
  const { stdout } = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  const children = stdout.split('\n').filter(Boolean).map(Number);
  return children.flatMap((child) => [child, ...descendants(child)]);
}

/** Running (a zombie has exited: it only waits for its parent to collect its status). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  for (let waited = 0; !condition() && waited < timeoutMs; waited += 100)
    await new Promise((resolve) => setTimeout(resolve, 100));
}

/** `npm start` as a user runs it (node + tsx directly, so a SIGKILL hits the local stack itself, not npm). */
async function startStack(dataDir: string): Promise<RunningStack> {
  const args = ['--import', 'tsx', 'bin/start-local.ts', '--data-dir', dataDir];
  if (existsSync('cdk.out/manifest.json')) args.push('--no-synth');
  const child = spawn(process.execPath, args, {
    env: { ...process.env, PORT: '0', JOBS_API_KEY: API_KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      const match = /Local stack ready at (http:\/\/localhost:\d+)/.exec(line);
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then((code) =>
      reject(new Error(`The local stack exited with ${code} before it was ready:\n${output.slice(-30).join('\n')}`)),
    );
  });
  return { child, url, exited, output };
}

async function call<T>(
  url: string,
  init: { method?: string; json?: unknown; token?: string } = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : { 'x-api-key': API_KEY }),
      'content-type': 'application/json',
    },
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

type Status = { id: string; status: string; version: number };

/** The jobs of a run: immediate ones, failing-then-succeeding ones (retrying at the kill) and delayed ones. */
function submission(index: number): { type: string; json: Record<string, unknown> } {
  if (index % 5 === 1) return { type: 'email', json: { to: 'fail-1@example.com', subject: `r${index}`, body: 'x' } };
  if (index % 5 === 2)
    return { type: 'email', json: { to: 'a@example.com', subject: `d${index}`, body: 'x', delay: 15_000 } };
  if (index % 5 === 3) return { type: 'sms', json: { phone: '+15005551001', message: `s${index}` } };
  return { type: 'email', json: { to: 'a@example.com', subject: `e${index}`, body: 'x' } };
}

let dataDir: string;
const started: RunningStack[] = [];

beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'jobs-restart-'));
});

afterAll(async () => {
  for (const stack of started) {
    const below = stack.child.pid ? descendants(stack.child.pid) : [];
    if (stack.child.exitCode === null && stack.child.signalCode === null) {
      stack.child.kill('SIGTERM');
      // Polled, not raced against a 15 s timer: a pending timer would hold jest open after the run.
      await until(() => stack.child.exitCode !== null || stack.child.signalCode !== null, 15_000);
    }
    if (stack.child.exitCode === null && stack.child.signalCode === null) stack.child.kill('SIGKILL');
    await until(() => !below.some(running), 10_000);
    for (const pid of below.filter(running)) process.kill(pid, 'SIGKILL');
  }
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

test('killed with SIGKILL mid-run and started again on its data directory, it loses no accepted job', async () => {
  const first = await startStack(dataDir);
  started.push(first);
  const emulatorsOfFirst = descendants(first.child.pid!);
  expect(emulatorsOfFirst.length).toBeGreaterThanOrEqual(2); // DynamoDB Local's guard + Java, fauxqs

  // One job done before the run, to see that finished work is kept too.
  const early = await call<Status>(`${first.url}/jobs/email`, {
    method: 'POST',
    json: { to: 'a@example.com', subject: 'early', body: 'x' },
  });
  let earlyJob: Status | undefined;
  for (const deadline = Date.now() + 30_000; earlyJob?.status !== 'completed' && Date.now() < deadline;) {
    earlyJob = (await call<Status>(`${first.url}/jobs/${early.body.id}/status`)).body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(earlyJob?.status).toBe('completed');
  // A token created at run time: its usage-plan API key must survive the restart with it.
  const created = await call<{ token: string }>(`${first.url}/tokens`, {
    method: 'POST',
    json: { name: 'reader', scopes: ['jobs:read'] },
  });
  expect(created.status).toBe(201);

  // Eight clients submit until the kill; the stack dies with requests in flight and jobs in every stage.
  const accepted: string[] = [];
  let next = 0;
  let killed = false;
  const client = async () => {
    while (!killed) {
      const { type, json } = submission(next++);
      try {
        const { status, body } = await call<Status>(`${first.url}/jobs/${type}`, { method: 'POST', json });
        if (status === 201 || status === 202) accepted.push(body.id);
      } catch {
        // the connection died with the stack: not accepted
      }
    }
  };
  const clients = Array.from({ length: 8 }, client);
  await until(() => accepted.length >= 60, 120_000);
  first.child.kill('SIGKILL');
  killed = true;
  await Promise.all(clients);
  await first.exited;
  // The emulators notice their parent is gone (their stdin closes) and exit.
  await until(() => !emulatorsOfFirst.some(running), 15_000);
  expect(emulatorsOfFirst.filter(running)).toEqual([]);

  const second = await startStack(dataDir);
  started.push(second);
  expect((await call<Status>(`${second.url}/jobs/${early.body.id}/status`)).body).toEqual(earlyJob);
  expect(await call<Status>(`${second.url}/jobs/${early.body.id}/status`, { token: created.body.token })).toEqual({
    status: 200,
    body: earlyJob,
  });

  const statuses = new Map<string, string>();
  const deadline = Date.now() + FINAL_WITHIN_MS;
  while (Date.now() < deadline) {
    for (const id of accepted) {
      if (FINAL.includes(statuses.get(id) ?? '')) continue;
      const { status, body } = await call<Status>(`${second.url}/jobs/${id}/status`);
      statuses.set(id, status === 200 ? body.status : `HTTP ${status}`);
    }
    if (accepted.every((id) => FINAL.includes(statuses.get(id) ?? ''))) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const notFinal = accepted.filter((id) => !FINAL.includes(statuses.get(id) ?? ''));
  expect(notFinal.map((id) => `${id}: ${statuses.get(id)}`)).toEqual([]);
  expect(accepted.filter((id) => statuses.get(id) === 'completed')).toHaveLength(accepted.length);
}, 900_000);
