/**
 * `jobs`: the jobs API from a terminal, built only on the typed client (src/client). Run it as
 * `npx jobs …` (bin/jobs.mjs loads this file through tsx). `jobs --help` lists the commands.
 *
 * Exit codes: 0 ok / job completed, 1 job failed or cancelled, or an API error, 2 usage error,
 * 3 timed out waiting, 130 interrupted.
 */
import { parseArgs } from 'node:util';
import {
  JOB_STATUSES,
  JobsApiError,
  JobsClient,
  JobsConnectionError,
  JobVanishedError,
  WaitTimeoutError,
  type Job,
  type JobStatus,
  type JobStatusSnapshot,
  type CleanupPayload,
  type JobPayloads,
  type ListJobsFilter,
  type SubmitOptions,
} from '../src/client';

const DEFAULT_URL = 'http://localhost:3000';
const DEFAULT_API_KEY = 'local-dev-api-key';
const DEFAULT_WAIT_TIMEOUT_MS = 5 * 60_000;

const EXIT = { ok: 0, failed: 1, usage: 2, timeout: 3, interrupted: 130 } as const;
type ExitCode = (typeof EXIT)[keyof typeof EXIT];

class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

type OptionSpec = { type: 'string' | 'boolean'; short?: string };
type Values = Record<string, string | boolean | undefined>;

interface Context {
  client: JobsClient;
  json: boolean;
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
  signal: AbortSignal;
}

interface Command {
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  run: (ctx: Context, positionals: string[], values: Values) => Promise<ExitCode>;
}

const COMMON_OPTIONS: Record<string, OptionSpec> = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};
const COMMON_HELP = `Common options:
  --url <url>          API base URL (env JOBS_API_URL; default ${DEFAULT_URL}, the local stack of \`npm start\`)
  --api-key <key>      sent as x-api-key (env JOBS_API_KEY; default "${DEFAULT_API_KEY}")
  --json               machine output: the API's JSON on stdout, errors as JSON on stderr
  -h, --help           this help`;

const WAIT_OPTIONS: Record<string, OptionSpec> = { wait: { type: 'boolean', short: 'w' }, timeout: { type: 'string' } };

const CLEANUP_TASKS: readonly CleanupPayload['task'][] = ['delete_temp', 'remove_old_logs', 'expire_sessions'];

const SUBMIT_FIELDS: Record<keyof JobPayloads, { required: string[]; optional: string[] }> = {
  email: { required: ['to', 'subject', 'body'], optional: [] },
  sms: { required: ['phone', 'message'], optional: [] },
  cleanup: { required: ['task'], optional: ['simulate-failures', 'duration-ms'] },
};
const JOB_TYPES = Object.keys(SUBMIT_FIELDS);
const isJobType = (value: string): value is keyof JobPayloads => value in SUBMIT_FIELDS;

const commands: Record<string, Command> = {
  submit: {
    summary: 'submit a job (email, sms or cleanup)',
    usage: `jobs submit email --to <address> --subject <text> --body <text> [options]
jobs submit sms --phone <E.164> --message <text> [options]
jobs submit cleanup --task delete_temp|remove_old_logs|expire_sessions [options]

Options:
  --delay <ms>               start after this many milliseconds (at most 7 days)
  --run-at <iso-date>        start at this time (not with --delay)
  --idempotency-key <key>    the same key within 24 h returns the same job
  --simulate-failures <n>    cleanup only: fail transiently on the first n attempts
  --duration-ms <n>          cleanup only: take n ms
  -w, --wait                 then wait until the job finishes, as \`jobs status <id> --wait\`
  --timeout <ms>             with --wait: give up after this long (default ${DEFAULT_WAIT_TIMEOUT_MS})`,
    options: {
      to: { type: 'string' },
      subject: { type: 'string' },
      body: { type: 'string' },
      phone: { type: 'string' },
      message: { type: 'string' },
      task: { type: 'string' },
      'simulate-failures': { type: 'string' },
      'duration-ms': { type: 'string' },
      delay: { type: 'string' },
      'run-at': { type: 'string' },
      'idempotency-key': { type: 'string' },
      ...WAIT_OPTIONS,
    },
    run: submitCommand,
  },
  status: {
    summary: "show a job's status, or wait until it finishes",
    usage: `jobs status <id> [--wait] [--timeout <ms>]

Without --wait: the status now. With --wait: follows the job (long polling) until it completes,
fails or is cancelled, showing each change, then shows its result or error.

Options:
  -w, --wait           wait until the job finishes
  --timeout <ms>       with --wait: give up after this long, exit 3 (default ${DEFAULT_WAIT_TIMEOUT_MS})`,
    options: WAIT_OPTIONS,
    run: statusCommand,
  },
  get: {
    summary: 'show a whole job, history included',
    usage: 'jobs get <id>',
    options: {},
    run: getCommand,
  },
  list: {
    summary: 'list jobs, newest first',
    usage: `jobs list [--status <status>] [--type <type>] [--limit <n>] [--cursor <cursor>]

Options:
  --status <status>    one of ${JOB_STATUSES.join(', ')}
  --type <type>        one of ${JOB_TYPES.join(', ')}, external
  --limit <n>          page size
  --cursor <cursor>    the next-page cursor printed by the previous page`,
    options: {
      status: { type: 'string' },
      type: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
    },
    run: listCommand,
  },
  cancel: {
    summary: 'cancel a queued, delayed or retrying job',
    usage: 'jobs cancel <id>',
    options: {},
    run: cancelCommand,
  },
  redrive: {
    summary: "move a type's dead letters back to its queue",
    usage: `jobs redrive <${JOB_TYPES.join('|')}>`,
    options: {},
    run: redriveCommand,
  },
  queues: {
    summary: 'per job type: messages visible, in flight, delayed, and dead letters',
    usage: 'jobs queues',
    options: {},
    run: queuesCommand,
  },
};

function mainHelp(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  return `jobs: submit, follow and manage background jobs

Usage: jobs <command> [arguments] [options]

Commands:
${Object.entries(commands)
  .map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`)
  .join('\n')}

Examples:
  jobs submit email --to success@simulator.amazonses.com --subject Hi --body Hello --wait
  jobs status 0f8c…  --wait --timeout 30000
  jobs list --status failed --limit 20
  jobs redrive email

${COMMON_HELP}

Exit codes: 0 ok or job completed, 1 job failed or cancelled or API error, 2 usage error, 3 timed out.
\`jobs <command> --help\` shows a command's options.`;
}

function commandHelp(name: string, command: Command): string {
  return `jobs ${name}: ${command.summary}

Usage: ${command.usage}

${COMMON_HELP}`;
}

// ---------------------------------------------------------------------------------------------
// Argument helpers

function one(positionals: string[], what: string, command: string): string {
  if (positionals.length === 0) throw new UsageError(`missing ${what}`, command);
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`, command);
  return positionals[0] as string;
}

function none(positionals: string[], command: string): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, command);
}

function str(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

function integer(values: Values, name: string, command: string, { min = 0 } = {}): number | undefined {
  const raw = str(values, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min) {
    throw new UsageError(
      `--${name} must be a whole number${min > 0 ? ` of at least ${min}` : ''}, not "${raw}"`,
      command,
    );
  }
  return Number(raw);
}

function waitTimeout(values: Values, command: string): number {
  return integer(values, 'timeout', command, { min: 1 }) ?? DEFAULT_WAIT_TIMEOUT_MS;
}

// ---------------------------------------------------------------------------------------------
// Output helpers

function printJson(stream: NodeJS.WriteStream, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The exit code a job's status means: a job that failed or was cancelled is a failure. */
function exitFor(status: JobStatus | string): ExitCode {
  return status === 'failed' || status === 'cancelled' ? EXIT.failed : EXIT.ok;
}

function describeJob(job: Job, elapsedMs?: number): string {
  const lines = [
    `${job.status}  job ${job.id} (${job.type})${elapsedMs === undefined ? '' : ` after ${seconds(elapsedMs)}`}` +
      (job.maxAttempts ? ` · attempt ${job.attempts}/${job.maxAttempts}` : ''),
  ];
  if (job.runAt && (job.status === 'delayed' || job.status === 'queued')) lines.push(`runs at: ${job.runAt}`);
  if (job.result !== undefined) lines.push(`result: ${JSON.stringify(job.result)}`);
  if (job.error) {
    // A job that completed after retries keeps the error of its last failed attempt.
    const label = job.status === 'failed' ? 'error' : 'last error';
    lines.push(`${label}: ${job.error.kind}: ${job.error.message}${job.deadLettered ? ' (dead-lettered)' : ''}`);
  }
  return lines.join('\n');
}

/**
 * Shows a wait's progress: on a terminal, one line rewritten in place with every status seen and
 * the elapsed time (ticking); otherwise one plain line per change. Nothing in --json mode.
 */
function progress(ctx: Context, jobId: string, startedAt: number) {
  const stream = ctx.out;
  const tty = !ctx.json && stream.isTTY === true;
  const seen: string[] = [];
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let frame = 0;
  let ticker: NodeJS.Timeout | undefined;
  /** One line that fits the terminal (a wrapped line could not be rewritten in place): older statuses give way. */
  const line = (mark: string) => {
    const width = (stream.columns || 80) - 1;
    const elapsed = `  ${seconds(Date.now() - startedAt)}`;
    let trail = seen;
    let text = `${mark} job ${jobId}: ${trail.join(' → ')}`;
    while (text.length + elapsed.length > width && trail.length > 1) {
      trail = trail.slice(1);
      text = `${mark} job ${jobId}: … → ${trail.join(' → ')}`;
    }
    return `\r\x1b[2K${text.slice(0, Math.max(0, width - elapsed.length))}${elapsed}`;
  };
  const render = () => {
    frame = (frame + 1) % frames.length;
    stream.write(line(frames[frame] ?? '·'));
  };
  return {
    onChange(status: JobStatusSnapshot) {
      if (ctx.json) return;
      seen.push(`${status.status} (v${status.version})`);
      if (tty) {
        render();
        ticker ??= setInterval(render, 100);
      } else {
        stream.write(`${seconds(Date.now() - startedAt).padStart(6)}  ${status.status} (version ${status.version})\n`);
      }
    },
    stop() {
      if (ticker) clearInterval(ticker);
      if (tty && seen.length > 0) stream.write(`${line('✓')}\n`);
    },
  };
}

async function waitAndReport(ctx: Context, jobId: string, timeoutMs: number): Promise<ExitCode> {
  const startedAt = Date.now();
  const view = progress(ctx, jobId, startedAt);
  let job: Job;
  try {
    job = await ctx.client.waitFor(jobId, { timeout: timeoutMs, signal: ctx.signal, onChange: view.onChange });
  } finally {
    view.stop();
  }
  if (ctx.json) printJson(ctx.out, job);
  else ctx.out.write(`${describeJob(job, Date.now() - startedAt)}\n`);
  return exitFor(job.status);
}

// ---------------------------------------------------------------------------------------------
// Commands

async function submitCommand(ctx: Context, positionals: string[], values: Values): Promise<ExitCode> {
  const type = one(positionals, `job type (${JOB_TYPES.join(', ')})`, 'submit');
  if (!isJobType(type)) throw new UsageError(`unknown job type "${type}": use ${JOB_TYPES.join(', ')}`, 'submit');
  const fields = SUBMIT_FIELDS[type];
  const payloadOptions = new Set(Object.values(SUBMIT_FIELDS).flatMap((f) => [...f.required, ...f.optional]));
  for (const name of payloadOptions) {
    if (values[name] !== undefined && !fields.required.includes(name) && !fields.optional.includes(name)) {
      throw new UsageError(`--${name} does not apply to ${type} jobs`, 'submit');
    }
  }
  const missing = fields.required.filter((name) => str(values, name) === undefined);
  if (missing.length > 0)
    throw new UsageError(`${type} jobs need ${missing.map((m) => `--${m}`).join(', ')}`, 'submit');

  const options: SubmitOptions = { signal: ctx.signal };
  const delay = integer(values, 'delay', 'submit');
  const runAt = str(values, 'run-at');
  if (delay !== undefined && runAt !== undefined) throw new UsageError('give --delay or --run-at, not both', 'submit');
  if (delay !== undefined) options.delay = delay;
  if (runAt !== undefined) {
    if (Number.isNaN(Date.parse(runAt)))
      throw new UsageError(`--run-at must be an ISO 8601 date, not "${runAt}"`, 'submit');
    options.runAt = runAt;
  }
  const idempotencyKey = str(values, 'idempotency-key');
  if (idempotencyKey !== undefined) options.idempotencyKey = idempotencyKey;
  if (values.timeout !== undefined && !values.wait) throw new UsageError('--timeout needs --wait', 'submit');
  const timeoutMs = waitTimeout(values, 'submit');

  let job: Job;
  if (type === 'email') {
    job = await ctx.client.submit(
      'email',
      { to: str(values, 'to') ?? '', subject: str(values, 'subject') ?? '', body: str(values, 'body') ?? '' },
      options,
    );
  } else if (type === 'sms') {
    job = await ctx.client.submit(
      'sms',
      { phone: str(values, 'phone') ?? '', message: str(values, 'message') ?? '' },
      options,
    );
  } else {
    const task = str(values, 'task') ?? '';
    if (!(CLEANUP_TASKS as readonly string[]).includes(task)) {
      throw new UsageError(`unknown cleanup task "${task}": use ${CLEANUP_TASKS.join(', ')}`, 'submit');
    }
    const simulateFailures = integer(values, 'simulate-failures', 'submit');
    const durationMs = integer(values, 'duration-ms', 'submit');
    job = await ctx.client.submit(
      'cleanup',
      {
        task: task as CleanupPayload['task'],
        ...(simulateFailures !== undefined ? { simulateFailures } : {}),
        ...(durationMs !== undefined ? { durationMs } : {}),
      },
      options,
    );
  }

  if (values.wait) {
    if (!ctx.json) ctx.out.write(`submitted ${type} job ${job.id}\n`);
    return waitAndReport(ctx, job.id, timeoutMs);
  }
  if (ctx.json) printJson(ctx.out, job);
  else ctx.out.write(`${describeJob(job)}\nfollow it with: jobs status ${job.id} --wait\n`);
  return EXIT.ok;
}

async function statusCommand(ctx: Context, positionals: string[], values: Values): Promise<ExitCode> {
  const id = one(positionals, 'job id', 'status');
  if (values.timeout !== undefined && !values.wait) throw new UsageError('--timeout needs --wait', 'status');
  const timeoutMs = waitTimeout(values, 'status');
  if (values.wait) return waitAndReport(ctx, id, timeoutMs);
  const status = await ctx.client.status(id, { signal: ctx.signal });
  if (ctx.json) printJson(ctx.out, status);
  else ctx.out.write(`${status.status}  job ${status.id} · version ${status.version} · updated ${status.updatedAt}\n`);
  return exitFor(status.status);
}

async function getCommand(ctx: Context, positionals: string[]): Promise<ExitCode> {
  const job = await ctx.client.get(one(positionals, 'job id', 'get'), { signal: ctx.signal });
  if (ctx.json) {
    printJson(ctx.out, job);
  } else {
    ctx.out.write(
      `${describeJob(job)}\npayload: ${JSON.stringify(job.payload)}\ncreated: ${job.createdAt}\nhistory:\n`,
    );
    const rows = job.history.map((h) => [`  ${h.at}`, h.status, `attempt ${h.attempt}`, h.error ?? '']);
    if (rows.length > 0) ctx.out.write(`${table(rows)}\n`);
  }
  return EXIT.ok;
}

async function listCommand(ctx: Context, positionals: string[], values: Values): Promise<ExitCode> {
  none(positionals, 'list');
  const filter: ListJobsFilter = {};
  const status = str(values, 'status');
  if (status !== undefined) {
    if (!(JOB_STATUSES as readonly string[]).includes(status)) {
      throw new UsageError(`unknown status "${status}": use ${JOB_STATUSES.join(', ')}`, 'list');
    }
    filter.status = status as JobStatus;
  }
  const type = str(values, 'type');
  if (type !== undefined) {
    if (!isJobType(type) && type !== 'external') {
      throw new UsageError(`unknown type "${type}": use ${JOB_TYPES.join(', ')}, external`, 'list');
    }
    filter.type = type;
  }
  const limit = integer(values, 'limit', 'list', { min: 1 });
  if (limit !== undefined) filter.limit = limit;
  const cursor = str(values, 'cursor');
  if (cursor !== undefined) filter.cursor = cursor;

  const page = await ctx.client.list(filter, { signal: ctx.signal });
  if (ctx.json) {
    printJson(ctx.out, page);
    return EXIT.ok;
  }
  if (page.jobs.length === 0) ctx.out.write('no jobs\n');
  else {
    const rows = page.jobs.map((job) => [job.id, job.type, job.status, String(job.attempts), job.updatedAt]);
    ctx.out.write(`${table([['ID', 'TYPE', 'STATUS', 'ATTEMPTS', 'UPDATED'], ...rows])}\n`);
  }
  if (page.nextCursor) ctx.out.write(`more: jobs list --cursor ${page.nextCursor}\n`);
  return EXIT.ok;
}

async function cancelCommand(ctx: Context, positionals: string[]): Promise<ExitCode> {
  const job = await ctx.client.cancel(one(positionals, 'job id', 'cancel'), { signal: ctx.signal });
  if (ctx.json) printJson(ctx.out, job);
  else ctx.out.write(`${job.status}  job ${job.id} (${job.type})\n`);
  return EXIT.ok;
}

async function redriveCommand(ctx: Context, positionals: string[]): Promise<ExitCode> {
  const type = one(positionals, `job type (${JOB_TYPES.join(', ')})`, 'redrive');
  if (!isJobType(type)) throw new UsageError(`unknown job type "${type}": use ${JOB_TYPES.join(', ')}`, 'redrive');
  const result = await ctx.client.redrive(type, { signal: ctx.signal });
  if (ctx.json) printJson(ctx.out, result);
  else
    ctx.out.write(`${result.type}: moved ${result.moved}, discarded ${result.discarded}, skipped ${result.skipped}\n`);
  return EXIT.ok;
}

async function queuesCommand(ctx: Context, positionals: string[]): Promise<ExitCode> {
  none(positionals, 'queues');
  const { queues } = await ctx.client.queues({ signal: ctx.signal });
  if (ctx.json) printJson(ctx.out, { queues });
  else {
    const rows = queues.map((q) => [
      q.type,
      String(q.visible),
      String(q.inFlight),
      String(q.delayed),
      String(q.deadLetters),
    ]);
    ctx.out.write(`${table([['TYPE', 'VISIBLE', 'IN-FLIGHT', 'DELAYED', 'DEAD-LETTERS'], ...rows])}\n`);
  }
  return EXIT.ok;
}

// ---------------------------------------------------------------------------------------------
// Errors and main

function reportError(error: unknown, json: boolean, err: NodeJS.WriteStream, url: string): ExitCode {
  if (error instanceof UsageError) {
    err.write(`jobs: ${error.message}\nRun \`jobs ${error.command ? `${error.command} ` : ''}--help\` for usage.\n`);
    return EXIT.usage;
  }
  const code: ExitCode = error instanceof WaitTimeoutError ? EXIT.timeout : EXIT.failed;
  if (json) {
    const details =
      error instanceof WaitTimeoutError
        ? { jobId: error.jobId, timeoutMs: error.timeoutMs, lastStatus: error.lastStatus }
        : error instanceof JobsApiError
          ? { status: error.status, problem: error.problem }
          : {};
    const name = error instanceof Error ? error.name : 'Error';
    printJson(err, { error: { name, message: error instanceof Error ? error.message : String(error), ...details } });
    return code;
  }
  if (error instanceof WaitTimeoutError) {
    err.write(`jobs: timed out: ${error.message}\n`);
  } else if (error instanceof JobVanishedError) {
    err.write(`jobs: ${error.message}\n`);
  } else if (error instanceof JobsApiError) {
    err.write(`jobs: ${error.problem.title} (${error.status}): ${error.problem.detail}\n`);
    for (const field of error.errors) err.write(`  ${field.field}: ${field.message}\n`);
  } else if (error instanceof JobsConnectionError) {
    err.write(
      `jobs: ${error.message}\n` +
        (url === DEFAULT_URL ? 'Is the local stack running (`npm start`)? ' : '') +
        'Set --url or JOBS_API_URL for another API.\n',
    );
  } else {
    err.write(`jobs: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  return code;
}

async function main(
  argv: string[],
  io: { out: NodeJS.WriteStream; err: NodeJS.WriteStream; env: NodeJS.ProcessEnv; signal: AbortSignal },
): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err.write(`${mainHelp()}\n`);
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = rest[0] !== undefined ? commands[rest[0]] : undefined;
    io.out.write(`${topic && rest[0] ? commandHelp(rest[0], topic) : mainHelp()}\n`);
    return EXIT.ok;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    io.err.write(`jobs: unknown command "${name}"\nRun \`jobs --help\` for the commands.\n`);
    return EXIT.usage;
  }

  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      options: { ...COMMON_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    return reportError(new UsageError(error instanceof Error ? error.message : String(error), name), false, io.err, '');
  }
  if (values.help) {
    io.out.write(`${commandHelp(name, command)}\n`);
    return EXIT.ok;
  }
  const json = values.json === true;
  const url = str(values, 'url') ?? (io.env.JOBS_API_URL || DEFAULT_URL);
  const apiKey = str(values, 'api-key') ?? (io.env.JOBS_API_KEY || DEFAULT_API_KEY);
  try {
    const client = new JobsClient({ baseUrl: url, apiKey });
    return await command.run({ client, json, out: io.out, err: io.err, signal: io.signal }, positionals, values);
  } catch (error) {
    if (io.signal.aborted) {
      io.err.write('jobs: interrupted\n');
      return EXIT.interrupted;
    }
    return reportError(error, json, io.err, url);
  }
}

const interrupt = new AbortController();
const onSigint = () => {
  // A second Ctrl-C ends at once.
  if (interrupt.signal.aborted) process.exit(EXIT.interrupted);
  interrupt.abort(new Error('interrupted'));
};
process.on('SIGINT', onSigint);
process.exitCode = await main(process.argv.slice(2), {
  out: process.stdout,
  err: process.stderr,
  env: process.env,
  signal: interrupt.signal,
});
process.off('SIGINT', onSigint);
