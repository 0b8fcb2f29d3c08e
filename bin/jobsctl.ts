/**
 * `jobsctl`: the jobs API from a terminal, built only on the typed client (src/client). Run it as
 * `npx jobsctl …` (bin/jobsctl.mjs loads this file through tsx). `jobsctl --help` lists the commands.
 * Not `jobs`: that is a shell builtin, which `npx jobs` would run instead.
 *
 * `submit <type>` knows no job type of its own: it reads the types from `GET /job-types` and turns
 * each payload property of a type's JSON Schema into a flag (see src/cli/payload-flags.ts).
 *
 * Exit codes: 0 ok / job completed, 1 job failed or cancelled, or an API error, 2 usage error,
 * 3 timed out waiting, 130 interrupted.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  flagValue,
  parseArgsOptions,
  payloadFlags,
  payloadFlagsHelp,
  PayloadFlagError,
  type PayloadFlags,
} from '../src/cli/payload-flags';
import {
  JOB_STATUSES,
  JobsApiError,
  JobsClient,
  JobsConnectionError,
  JobVanishedError,
  WaitTimeoutError,
  isTerminalStatus,
  type Job,
  type JobStatus,
  type JobStatusSnapshot,
  type JobTypeInfo,
  type ListJobsFilter,
  type SubmitOptions,
  type CreateTokenRequest,
  type IssuedToken,
  type TokenScope,
  type ConsumerState,
} from '../src/client';

const CLI = 'jobsctl';
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

/** The CLI talks to any deployment: whatever types it declares, each takes a JSON object. */
type AnyPayloads = Record<string, Record<string, unknown>>;

interface Context {
  client: JobsClient<AnyPayloads>;
  json: boolean;
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
  signal: AbortSignal;
}

interface Command {
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  /**
   * Options known only from the API (a job type's payload flags), read once the command's own
   * options and positionals are: returns more options and help text to show with the usage.
   */
  extraOptions?: (
    ctx: Context,
    positionals: string[],
  ) => Promise<{ options: Record<string, OptionSpec>; help: string }>;
  run: (ctx: Context, positionals: string[], values: Values) => Promise<ExitCode>;
}

const COMMON_OPTIONS: Record<string, OptionSpec> = {
  url: { type: 'string' },
  token: { type: 'string' },
  'api-key': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};
const COMMON_HELP = `Common options:
  --url <url>          API base URL (env JOBS_API_URL; default ${DEFAULT_URL}, the local stack of \`npm start\`)
  --token <token>      sent as Authorization: Bearer (env JOBS_API_TOKEN, else JOBS_API_KEY;
                       default "${DEFAULT_API_KEY}", the local stack's); --api-key is the same
  --json               machine output: the API's JSON on stdout, errors as JSON on stderr
  -h, --help           this help`;

const WAIT_OPTIONS: Record<string, OptionSpec> = { wait: { type: 'boolean', short: 'w' }, timeout: { type: 'string' } };

const SUBMIT_OPTIONS: Record<string, OptionSpec> = {
  data: { type: 'string', short: 'd' },
  delay: { type: 'string' },
  'run-at': { type: 'string' },
  'idempotency-key': { type: 'string' },
  ...WAIT_OPTIONS,
};
/** A payload property whose flag would be one of these is set through --data only. */
const RESERVED_FLAGS = new Set([...Object.keys(COMMON_OPTIONS), ...Object.keys(SUBMIT_OPTIONS)]);

const commands: Record<string, Command> = {
  submit: {
    summary: 'submit a job of any type the API declares',
    usage: `${CLI} submit <type> [--<field> <value> …] [--data '{…}' | --data @payload.json] [options]

Each field of the type's payload is a flag (\`${CLI} submit <type> --help\` lists them, \`${CLI} types\`
lists the types). --data gives the payload as JSON (or @file with JSON in it); flags override its fields.

Options:
  -d, --data <json|@file>    the payload, or part of it, as a JSON object
  --delay <ms>               start after this many milliseconds (at most 7 days)
  --run-at <iso-date>        start at this time (not with --delay)
  --idempotency-key <key>    the same key within 24 h returns the same job
  -w, --wait                 then wait until the job finishes, as \`${CLI} status <id> --wait\`
  --timeout <ms>             with --wait: give up after this long (default ${DEFAULT_WAIT_TIMEOUT_MS})`,
    options: SUBMIT_OPTIONS,
    extraOptions: submitTypeOptions,
    run: submitCommand,
  },
  types: {
    summary: 'list the job types the API accepts, with their fields',
    usage: `${CLI} types`,
    options: {},
    run: typesCommand,
  },
  status: {
    summary: "show a job's status, or wait until it finishes",
    usage: `${CLI} status <id> [--wait] [--timeout <ms>]

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
    usage: `${CLI} get <id>`,
    options: {},
    run: getCommand,
  },
  list: {
    summary: 'list jobs, newest first',
    usage: `${CLI} list [--status <status>] [--type <type>] [--limit <n>] [--cursor <cursor>]

Options:
  --status <status>    one of ${JOB_STATUSES.join(', ')}
  --type <type>        a job type (\`${CLI} types\`), or external
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
    usage: `${CLI} cancel <id>`,
    options: {},
    run: cancelCommand,
  },
  retry: {
    summary: 'run a failed job again, with fresh attempts',
    usage: `${CLI} retry <id> [--wait] [--timeout <ms>]

Moves a failed job (dead-lettered or not) back to queued; any other status is refused (409).

Options:
  -w, --wait           then wait until the job finishes
  --timeout <ms>       with --wait: give up after this long, exit 3 (default ${DEFAULT_WAIT_TIMEOUT_MS})`,
    options: WAIT_OPTIONS,
    run: retryCommand,
  },
  redrive: {
    summary: "move a type's dead letters back to its queue",
    usage: `${CLI} redrive <type>`,
    options: {},
    run: redriveCommand,
  },
  watch: {
    summary: 'show job changes live, over the WebSocket API',
    usage: `${CLI} watch [--type <type>] [--status <status>] [<id> …]

With ids: follows those jobs, one line per job updated in place on a terminal (one line per change
otherwise, NDJSON with --json), and exits when every one is final (0 if all completed or done, 1
otherwise). Without ids: every job whose new state matches --type and --status, until Ctrl-C.

Options:
  --type <type>        only jobs of this type (without ids)
  --status <status>    only changes to this status (without ids): ${JOB_STATUSES.join(', ')}`,
    options: { type: { type: 'string' }, status: { type: 'string' } },
    run: watchCommand,
  },
  queues: {
    summary: 'per job type: messages visible, in flight, delayed, dead letters, paused; pause and resume',
    usage: `${CLI} queues
${CLI} queues pause <type>
${CLI} queues resume <type>

pause stops the type's consumer taking jobs from its queue (they wait there, queued; jobs already
running finish); resume starts it again. Either takes effect within seconds (PAUSED shows
pausing/resuming meanwhile).`,
    options: {},
    run: queuesCommand,
  },
  tokens: {
    summary: 'create, list and revoke scoped API tokens (needs a token with the admin scope)',
    usage: `${CLI} tokens create --scopes <scope,…> [--name <label>] [--value <secret>]
${CLI} tokens list
${CLI} tokens revoke <id>
${CLI} tokens bootstrap --table <TokensTableName> --usage-plan <UsagePlanId> [--scopes …] [--name …]

Scopes: jobs:read, jobs:submit, jobs:operate (cancel, retry, redrive, pause/resume queues, external status), admin (tokens).
A created token is printed once: store it, it cannot be shown again. --value imports an existing
secret (e.g. an x-api-key clients already send) instead of generating one.
bootstrap creates the first token (default: every scope) with your AWS credentials, straight in the
tokens table and the usage plan (both are stack outputs), since no token exists to call the API with.

Options:
  --scopes <list>      comma-separated scopes (create)
  --name <label>       who or what the token is for (create)
  --value <secret>     import this secret instead of generating one (create, bootstrap)
  --table <name>       the stack output TokensTableName (bootstrap)
  --usage-plan <id>    the stack output UsagePlanId (bootstrap)`,
    options: {
      scopes: { type: 'string' },
      name: { type: 'string' },
      value: { type: 'string' },
      table: { type: 'string' },
      'usage-plan': { type: 'string' },
    },
    run: tokensCommand,
  },
};

function mainHelp(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  return `${CLI}: submit, follow and manage background jobs

Usage: ${CLI} <command> [arguments] [options]

Commands:
${Object.entries(commands)
  .map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`)
  .join('\n')}

Examples:
  ${CLI} types
  ${CLI} submit email --help
  ${CLI} submit email --to success@simulator.amazonses.com --subject Hi --body Hello --wait
  ${CLI} submit cleanup --data '{"task":"delete_temp"}'
  ${CLI} status 0f8c…  --wait --timeout 30000
  ${CLI} list --status failed --limit 20
  ${CLI} retry 0f8c…
  ${CLI} watch --type email --status failed
  ${CLI} redrive email
  ${CLI} queues pause email

${COMMON_HELP}

Exit codes: 0 ok or job completed, 1 job failed or cancelled or API error, 2 usage error, 3 timed out.
\`${CLI} <command> --help\` shows a command's options.`;
}

function commandHelp(name: string, command: Command, extraHelp = ''): string {
  return `${CLI} ${name}: ${command.summary}

Usage: ${command.usage}
${extraHelp ? `\n${extraHelp}\n` : ''}
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

/** The API's job types, read once per run. */
let jobTypesRead: Promise<JobTypeInfo[]> | undefined;
function jobTypes(ctx: Context): Promise<JobTypeInfo[]> {
  jobTypesRead ??= ctx.client.jobTypes({ signal: ctx.signal }).then((list) => list.jobTypes);
  return jobTypesRead;
}

async function jobTypeNamed(ctx: Context, name: string, command: string): Promise<JobTypeInfo> {
  const types = await jobTypes(ctx);
  const type = types.find((candidate) => candidate.name === name);
  if (!type) {
    throw new UsageError(`unknown job type "${name}": use ${types.map((t) => t.name).join(', ')}`, command);
  }
  return type;
}

function flagsOf(type: JobTypeInfo): PayloadFlags {
  return payloadFlags(type.payloadSchema, RESERVED_FLAGS);
}

/** `submit <type>`: the type's payload flags, from its JSON Schema. */
async function submitTypeOptions(
  ctx: Context,
  positionals: string[],
): Promise<{ options: Record<string, OptionSpec>; help: string }> {
  const name = positionals[0];
  if (name === undefined) return { options: {}, help: '' };
  const type = await jobTypeNamed(ctx, name, 'submit');
  const flags = flagsOf(type);
  const sensitive = type.sensitiveFields.length
    ? `\nSensitive (masked in every answer): ${type.sensitiveFields.join(', ')}`
    : '';
  return {
    options: { ...parseArgsOptions(flags) },
    help: `Fields of ${type.name} jobs:\n${payloadFlagsHelp(flags)}${sensitive}`,
  };
}

/** `--data '{…}'` or `--data @file.json`: a JSON object. */
async function dataOption(values: Values): Promise<Record<string, unknown>> {
  const raw = str(values, 'data');
  if (raw === undefined) return {};
  let text = raw;
  let source = '--data';
  if (raw.startsWith('@')) {
    source = raw.slice(1);
    try {
      text = await readFile(source, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read --data file ${source}: ${(error as Error).message}`, 'submit');
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${source} is not JSON: ${(error as Error).message}`, 'submit');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`${source} must be a JSON object`, 'submit');
  }
  return parsed as Record<string, unknown>;
}

async function submitCommand(ctx: Context, positionals: string[], values: Values): Promise<ExitCode> {
  const name = one(positionals, 'job type (see `jobsctl types`)', 'submit');
  const type = await jobTypeNamed(ctx, name, 'submit');
  const flags = flagsOf(type);
  const payload = await dataOption(values);
  for (const flag of flags.flags) {
    const raw = values[flag.flag];
    if (raw === undefined) continue;
    try {
      payload[flag.field] = flagValue(flag, raw);
    } catch (error) {
      if (error instanceof PayloadFlagError) throw new UsageError(error.message, 'submit');
      throw error;
    }
  }
  const missing = [
    ...flags.flags.filter((flag) => flag.required && payload[flag.field] === undefined).map((f) => `--${f.flag}`),
    ...flags.dataOnly.filter((entry) => entry.required && payload[entry.field] === undefined).map((e) => e.field),
  ];
  if (missing.length > 0) throw new UsageError(`${type.name} jobs need ${missing.join(', ')}`, 'submit');

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

  // The server validates the payload against the same schema and names every field it refuses.
  const job = await ctx.client.submit(type.name, payload, options);
  if (values.wait) {
    if (!ctx.json) ctx.out.write(`submitted ${type.name} job ${job.id}\n`);
    return waitAndReport(ctx, job.id, timeoutMs);
  }
  if (ctx.json) printJson(ctx.out, job);
  else ctx.out.write(`${describeJob(job)}\nfollow it with: ${CLI} status ${job.id} --wait\n`);
  return EXIT.ok;
}

async function typesCommand(ctx: Context, positionals: string[]): Promise<ExitCode> {
  none(positionals, 'types');
  const types = await jobTypes(ctx);
  if (ctx.json) {
    printJson(ctx.out, { jobTypes: types });
    return EXIT.ok;
  }
  for (const type of types) {
    const flags = flagsOf(type);
    const fields = [...flags.flags.map((f) => (f.required ? `--${f.flag}` : `[--${f.flag}]`))];
    fields.push(...flags.dataOnly.map((entry) => `(${entry.field} via --data)`));
    ctx.out.write(`${type.name}  ${fields.join(' ')}\n`);
  }
  ctx.out.write(`\n\`${CLI} submit <type> --help\` describes a type's fields.\n`);
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
  // The API names the types it knows when it refuses one.
  const type = str(values, 'type');
  if (type !== undefined) filter.type = type;
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
  if (page.nextCursor) ctx.out.write(`more: ${CLI} list --cursor ${page.nextCursor}\n`);
  return EXIT.ok;
}

async function cancelCommand(ctx: Context, positionals: string[]): Promise<ExitCode> {
  const job = await ctx.client.cancel(one(positionals, 'job id', 'cancel'), { signal: ctx.signal });
  if (ctx.json) printJson(ctx.out, job);
  else ctx.out.write(`${job.status}  job ${job.id} (${job.type})\n`);
  return EXIT.ok;
}

async function retryCommand(ctx: Context, positionals: string[], values: Values): Promise<ExitCode> {
  const id = one(positionals, 'job id', 'retry');
  if (values.timeout !== undefined && !values.wait) throw new UsageError('--timeout needs --wait', 'retry');
  const timeoutMs = waitTimeout(values, 'retry');
  const job = await ctx.client.retry(id, { signal: ctx.signal });
  if (values.wait) {
    if (!ctx.json) ctx.out.write(`retrying ${job.type} job ${job.id}\n`);
    return waitAndReport(ctx, job.id, timeoutMs);
  }
  if (ctx.json) printJson(ctx.out, job);
  else ctx.out.write(`${describeJob(job)}\nfollow it with: ${CLI} status ${job.id} --wait\n`);
  return EXIT.ok;
}

async function redriveCommand(ctx: Context, positionals: string[]): Promise<ExitCode> {
  const type = one(positionals, 'job type (see `jobsctl types`)', 'redrive');
  const result = await ctx.client.redrive(type, { signal: ctx.signal });
  if (ctx.json) printJson(ctx.out, result);
  else
    ctx.out.write(`${result.type}: moved ${result.moved}, discarded ${result.discarded}, skipped ${result.skipped}\n`);
  return EXIT.ok;
}

/** What the PAUSED column says of a consumer state. */
function pausedLabel(state: ConsumerState): string {
  if (state === 'Disabled') return 'yes';
  if (state === 'Disabling') return 'pausing';
  if (state === 'Enabling') return 'resuming';
  return state === 'Enabled' ? 'no' : state.toLowerCase();
}

async function queuesCommand(ctx: Context, positionals: string[]): Promise<ExitCode> {
  const [action, ...rest] = positionals;
  if (action === 'pause' || action === 'resume') {
    const type = one(rest, 'job type (see `jobsctl types`)', 'queues');
    const result =
      action === 'pause'
        ? await ctx.client.pauseQueue(type, { signal: ctx.signal })
        : await ctx.client.resumeQueue(type, { signal: ctx.signal });
    if (ctx.json) printJson(ctx.out, result);
    else ctx.out.write(`${type}: ${result.paused ? 'paused' : 'running'} (${result.consumerState})\n`);
    return EXIT.ok;
  }
  if (action !== undefined) throw new UsageError(`unknown action "${action}": pause or resume`, 'queues');
  const { queues } = await ctx.client.queues({ signal: ctx.signal });
  if (ctx.json) printJson(ctx.out, { queues });
  else {
    const rows = queues.map((q) => [
      q.type,
      String(q.visible),
      String(q.inFlight),
      String(q.delayed),
      String(q.deadLetters),
      pausedLabel(q.consumerState),
    ]);
    ctx.out.write(`${table([['TYPE', 'VISIBLE', 'IN-FLIGHT', 'DELAYED', 'DEAD-LETTERS', 'PAUSED'], ...rows])}\n`);
  }
  return EXIT.ok;
}

async function tokensCommand(ctx: Context, positionals: string[], values: Values): Promise<ExitCode> {
  const [action, ...rest] = positionals;
  const scopes = (str(values, 'scopes') ?? '')
    .split(',')
    .map((scope) => scope.trim())
    .filter(Boolean) as TokenScope[];
  const name = str(values, 'name');
  const value = str(values, 'value');
  const request = { scopes, ...(name ? { name } : {}), ...(value ? { token: value } : {}) };
  if (action === 'create' || action === 'bootstrap') {
    none(rest, 'tokens');
    let issued: IssuedToken;
    if (action === 'bootstrap') {
      const table = str(values, 'table');
      const usagePlan = str(values, 'usage-plan');
      if (!table || !usagePlan) throw new UsageError('tokens bootstrap needs --table and --usage-plan', 'tokens');
      issued = await bootstrapToken(table, usagePlan, {
        ...request,
        scopes: scopes.length ? scopes : ['jobs:read', 'jobs:submit', 'jobs:operate', 'admin'],
        name: name ?? 'bootstrap admin',
      });
    } else {
      if (scopes.length === 0)
        throw new UsageError('tokens create needs --scopes, e.g. --scopes jobs:read,jobs:submit', 'tokens');
      issued = await ctx.client.createToken(request, { signal: ctx.signal });
    }
    if (ctx.json) printJson(ctx.out, issued);
    else
      ctx.out.write(
        `${issued.token}\n\nToken ${issued.id} (${issued.scopes.join(' ')}) created. It is shown only now: store it.\n`,
      );
    return EXIT.ok;
  }
  if (action === 'list') {
    none(rest, 'tokens');
    const tokens = await ctx.client.listTokens({ signal: ctx.signal });
    if (ctx.json) printJson(ctx.out, { tokens });
    else
      ctx.out.write(
        `${table([['ID', 'NAME', 'SCOPES', 'CREATED'], ...tokens.map((t) => [t.id, t.name, t.scopes.join(','), t.createdAt])])}\n`,
      );
    return EXIT.ok;
  }
  if (action === 'revoke') {
    const id = one(rest, 'token id (see `jobsctl tokens list`)', 'tokens');
    const revoked = await ctx.client.revokeToken(id, { signal: ctx.signal });
    if (ctx.json) printJson(ctx.out, revoked);
    else ctx.out.write(`Token ${revoked.id} (${revoked.name}) revoked.\n`);
    return EXIT.ok;
  }
  throw new UsageError(`tokens needs create, list, revoke or bootstrap${action ? `, not "${action}"` : ''}`, 'tokens');
}

/** The first token, written with the caller's AWS credentials as `POST /tokens` would write it. */
async function bootstrapToken(tableName: string, usagePlanId: string, body: CreateTokenRequest): Promise<IssuedToken> {
  const [
    { DynamoDbTokenStore },
    { ApiGatewayUsageKeys, createApiGatewayClient },
    { createDocumentClient },
    { issueToken },
  ] = await Promise.all([
    import('../src/aws/dynamodb-token-store'),
    import('../src/aws/api-gateway-usage-keys'),
    import('../src/aws/aws-clients'),
    import('../src/tokens/use-cases/manage-tokens'),
  ]);
  return issueToken(
    {
      store: new DynamoDbTokenStore(createDocumentClient(), tableName),
      usageKeys: new ApiGatewayUsageKeys(createApiGatewayClient(), { id: usagePlanId }),
      clock: () => new Date(),
    },
    body,
  );
}

/**
 * The watch view: on a terminal, one line per job rewritten in place (the block is redrawn from
 * its first line); otherwise one line per change.
 */
function watchView(ctx: Context) {
  const tty = !ctx.json && ctx.out.isTTY === true;
  const lines = new Map<string, string>();
  let drawn = 0;
  return (status: JobStatusSnapshot) => {
    if (ctx.json) return printJson(ctx.out, status);
    const time = new Date().toISOString().slice(11, 19);
    const text = `${time}  ${status.id}  ${status.status.padEnd(10)} v${status.version}`;
    if (!tty) return void ctx.out.write(`${text}\n`);
    lines.set(status.id, text);
    const width = (ctx.out.columns || 80) - 1;
    let block = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const line of lines.values()) block += `\r\x1b[2K${line.slice(0, width)}\n`;
    drawn = lines.size;
    ctx.out.write(block);
  };
}

async function watchCommand(ctx: Context, ids: string[], values: Values): Promise<ExitCode> {
  const type = str(values, 'type');
  const status = str(values, 'status');
  if (ids.length > 0 && (type !== undefined || status !== undefined))
    throw new UsageError('give job ids or --type/--status, not both', 'watch');
  if (status !== undefined && !(JOB_STATUSES as readonly string[]).includes(status))
    throw new UsageError(`--status must be one of ${JOB_STATUSES.join(', ')}`, 'watch');
  const show = watchView(ctx);
  const finals = new Map<string, string>();
  return new Promise<ExitCode>((resolve, reject) => {
    let done = false;
    const end = (outcome: () => void) => {
      if (done) return;
      done = true;
      subscription.close();
      ctx.signal.removeEventListener('abort', onAbort);
      outcome();
    };
    const onAbort = () => end(() => reject(ctx.signal.reason));
    const subscription = ctx.client.subscribe(
      ids.length > 0 ? ids : { ...(type ? { type } : {}), ...(status ? { status: status as JobStatus } : {}) },
      (change) => {
        show(change);
        if (ids.length === 0 || !isTerminalStatus(change.status)) return;
        finals.set(change.id, change.status);
        if (finals.size === new Set(ids).size) {
          const allDone = [...finals.values()].every((final) => exitFor(final) === EXIT.ok);
          end(() => resolve(allDone ? EXIT.ok : EXIT.failed));
        }
      },
      {
        onError: (problem) => {
          ctx.err.write(`${CLI}: ${problem.title} (${problem.status}): ${problem.detail}\n`);
          for (const field of problem.errors ?? []) ctx.err.write(`  ${field.field}: ${field.message}\n`);
          if (problem.status === 404 || problem.status === 400) end(() => resolve(EXIT.failed));
        },
        onRemoved: (jobId) => ctx.err.write(`${CLI}: job ${jobId} was removed\n`),
      },
    );
    subscription.ready.catch((error: Error) =>
      end(() => reject(new Error(`cannot watch: ${error.message} (is the WebSocket API reachable?)`))),
    );
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
}

// ---------------------------------------------------------------------------------------------
// Errors and main

function reportError(error: unknown, json: boolean, err: NodeJS.WriteStream, url: string): ExitCode {
  if (error instanceof UsageError) {
    err.write(
      `${CLI}: ${error.message}\nRun \`${CLI} ${error.command ? `${error.command} ` : ''}--help\` for usage.\n`,
    );
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
    err.write(`${CLI}: timed out: ${error.message}\n`);
  } else if (error instanceof JobVanishedError) {
    err.write(`${CLI}: ${error.message}\n`);
  } else if (error instanceof JobsApiError) {
    err.write(`${CLI}: ${error.problem.title} (${error.status}): ${error.problem.detail}\n`);
    for (const field of error.errors) err.write(`  ${field.field}: ${field.message}\n`);
  } else if (error instanceof JobsConnectionError) {
    err.write(
      `${CLI}: ${error.message}\n` +
        (url === DEFAULT_URL ? 'Is the local stack running (`npm start`)? ' : '') +
        'Set --url or JOBS_API_URL for another API.\n',
    );
  } else {
    err.write(`${CLI}: ${error instanceof Error ? error.message : String(error)}\n`);
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
    io.err.write(`${CLI}: unknown command "${name}"\nRun \`${CLI} --help\` for the commands.\n`);
    return EXIT.usage;
  }

  const parse = (options: Record<string, OptionSpec>, strict: boolean) =>
    parseArgs({ args: rest, options, allowPositionals: true, allowNegative: true, strict }) as {
      values: Values;
      positionals: string[];
    };
  const usageError = (error: unknown) =>
    reportError(new UsageError(error instanceof Error ? error.message : String(error), name), false, io.err, '');

  let options = { ...COMMON_OPTIONS, ...command.options };
  let values: Values;
  let positionals: string[];
  try {
    // A command with options from the API reads its own first (--url, the type), leniently.
    ({ values, positionals } = parse(options, command.extraOptions === undefined));
  } catch (error) {
    return usageError(error);
  }
  const json = values.json === true;
  const url = str(values, 'url') ?? (io.env.JOBS_API_URL || DEFAULT_URL);
  const token =
    str(values, 'token') ?? str(values, 'api-key') ?? (io.env.JOBS_API_TOKEN || io.env.JOBS_API_KEY || DEFAULT_API_KEY);
  try {
    const client = new JobsClient<AnyPayloads>({ baseUrl: url, token });
    const ctx: Context = { client, json, out: io.out, err: io.err, signal: io.signal };
    let extraHelp = '';
    if (command.extraOptions) {
      const extra = await command.extraOptions(ctx, positionals);
      options = { ...options, ...extra.options };
      extraHelp = extra.help;
      try {
        ({ values, positionals } = parse(options, true));
      } catch (error) {
        return usageError(error);
      }
    }
    if (values.help) {
      io.out.write(`${commandHelp(name, command, extraHelp)}\n`);
      return EXIT.ok;
    }
    return await command.run(ctx, positionals, values);
  } catch (error) {
    if (io.signal.aborted) {
      io.err.write(`${CLI}: interrupted\n`);
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
