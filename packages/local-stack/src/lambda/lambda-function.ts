import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { InvocationFault } from '../chaos/chaos-mode';
import {
  AccountConcurrency,
  DEFAULT_ACCOUNT_CONCURRENCY,
  DEFAULT_ENVIRONMENT_IDLE_MS,
  DEFAULT_FUNCTION_CONCURRENCY,
  MACHINE_INIT_SLOTS,
  type InitSlots,
  type ReclaimableFunction,
} from './lambda-concurrency';

const WORKER_SCRIPT = fileURLToPath(new URL('./lambda-worker.mjs', import.meta.url));

/**
 * Lambda's init phase may take 10 s; one that times out is retried within the first invocation,
 * with the function's timeout. Locally the init gets both, and the handler its full Timeout after.
 */
const INIT_LIMIT_MS = 10_000;

/** NODE_OPTIONS flags an environment honours; the others act on the whole process, which environments share. */
const HONOURED_NODE_OPTIONS = new Set(['--enable-source-maps']);

export interface LocalFunctionConfig {
  logicalId: string;
  functionName: string;
  functionArn: string;
  codeDir: string;
  handler: string;
  timeoutSeconds: number;
  memorySize: number;
  /** The complete environment of the function's workers (template variables + emulator endpoints). */
  environment: Record<string, string>;
  /** ReservedConcurrentExecutions: exactly this many environments at most (0 throttles every invocation). */
  reservedConcurrency?: number;
  /** The account's unreserved concurrency this function shares when it has no reservation; default its own. */
  account?: AccountConcurrency;
  /** The local cap on environments of a function without reservation; default DEFAULT_FUNCTION_CONCURRENCY. */
  maxEnvironments?: number;
  /** An environment idle this long is stopped; default DEFAULT_ENVIRONMENT_IDLE_MS. */
  idleTimeoutMs?: number;
  /** How many init phases may run at once; default one per CPU of the machine, shared by every function. */
  initSlots?: InitSlots;
}

/** The handler threw (or returned a rejected promise), or its runtime died. */
export class LambdaFunctionError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
    readonly handlerStack?: string,
  ) {
    super(message);
    this.name = 'LambdaFunctionError';
  }
}

/** The invocation ran past the function's Timeout; its environment is discarded with whatever it was still doing. */
export class LambdaTimeoutError extends Error {
  readonly errorType = 'Sandbox.Timedout';
  constructor(functionName: string, timeoutSeconds: number) {
    super(`${functionName}: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`);
    this.name = 'LambdaTimeoutError';
  }
}

/**
 * Lambda refused the invocation: every environment the function may have is busy (Lambda's
 * TooManyRequestsException, HTTP 429 from Invoke). Nothing ran.
 */
export class LambdaThrottledError extends Error {
  readonly errorType = 'TooManyRequestsException';
  constructor(
    functionName: string,
    /** Lambda's Reason field. */
    readonly reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' | 'ConcurrentInvocationLimitExceeded',
  ) {
    super(`${functionName}: Rate Exceeded. (${reason})`);
    this.name = 'LambdaThrottledError';
  }
}

export interface InvokeOptions {
  /** Aborting it aborts the handler's context.abortSignal (see invoke). */
  signal?: AbortSignal;
  /**
   * Chaos mode: the runtime throws (Chaos.InjectedCrash) or never returns (so the invocation times
   * out and the environment is discarded), before the handler runs or after it returned.
   */
  fault?: InvocationFault;
}

/** Counters like the function's CloudWatch metrics, since the stack started. */
export interface LocalFunctionMetrics {
  invocations: number;
  throttles: number;
  /** Environments started (each runs the init phase: a cold start). */
  coldStarts: number;
  /** The most invocations that ran at once (ConcurrentExecutions' maximum). */
  peakConcurrency: number;
}

/** The abort reason's message, for the worker's AbortSignal (errors do not cross threads intact). */
function describeAbortReason(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason.message : reason === undefined ? 'Aborted' : String(reason);
}

type WorkerReply =
  | { id: number; chunk: Uint8Array; ok?: undefined }
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { errorType: string; errorMessage: string; stack?: string } };

/** One execution environment: a worker thread with its own module instance, running one invocation at a time. */
interface Environment {
  readonly worker: Worker;
  /** The invocation (or init) it runs now. */
  current?: {
    id: number;
    resolve(value: unknown): void;
    reject(error: Error): void;
    onChunk?(chunk: Uint8Array): void;
  };
  idleSince: number;
  idleTimer?: NodeJS.Timeout;
  /** Its init phase (loading the handler's module) has completed. */
  initialized: boolean;
  /** Holds one of the account's unreserved slots (functions without a reservation). */
  readonly holdsAccountSlot: boolean;
}

/**
 * A Lambda function running locally: a pool of execution environments (worker threads, each with
 * its own process.env and module state), each running exactly one invocation at a time, as on
 * Lambda. An invocation takes the most recently used idle environment (warm), else starts a new
 * one (its init phase: a cold start) while the function's concurrency allows, else is throttled.
 * Idle environments stop after idleTimeoutMs; one that timed out or crashed is discarded.
 */
export class LocalFunction implements ReclaimableFunction {
  readonly logicalId: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly handler: string;
  readonly codeDir: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly reservedConcurrency?: number;
  /** The most environments (and so concurrent invocations) this function can have. */
  readonly concurrencyLimit: number;
  readonly idleTimeoutMs: number;
  readonly metrics: LocalFunctionMetrics = { invocations: 0, throttles: 0, coldStarts: 0, peakConcurrency: 0 };

  private readonly account: AccountConcurrency;
  private readonly initSlots: InitSlots;
  private readonly environments = new Set<Environment>();
  /** Idle environments, least recently used first. */
  private readonly idle: Environment[] = [];
  private readonly execArgv: string[];
  private nextId = 1;
  private stopped = false;

  constructor(config: LocalFunctionConfig) {
    this.logicalId = config.logicalId;
    this.functionName = config.functionName;
    this.functionArn = config.functionArn;
    this.handler = config.handler;
    this.codeDir = config.codeDir;
    this.timeoutSeconds = config.timeoutSeconds;
    this.memorySize = config.memorySize;
    this.environment = config.environment;
    this.reservedConcurrency = config.reservedConcurrency;
    this.account = config.account ?? new AccountConcurrency(DEFAULT_ACCOUNT_CONCURRENCY);
    this.concurrencyLimit =
      config.reservedConcurrency ??
      Math.min(config.maxEnvironments ?? DEFAULT_FUNCTION_CONCURRENCY, this.account.unreservedLimit);
    this.idleTimeoutMs = config.idleTimeoutMs ?? DEFAULT_ENVIRONMENT_IDLE_MS;
    this.initSlots = config.initSlots ?? MACHINE_INIT_SLOTS;
    // Not the local stack's own flags (e.g. a TypeScript loader, which costs ~200 MB per worker).
    this.execArgv = (config.environment.NODE_OPTIONS ?? '')
      .split(/\s+/)
      .filter((flag) => HONOURED_NODE_OPTIONS.has(flag));
    if (config.reservedConcurrency === undefined) this.account.join(this);
  }

  /** Invocations running now. */
  get inFlight(): number {
    return this.environments.size - this.idle.length;
  }

  /** Live execution environments: busy ones and idle (warm) ones. */
  get environmentCount(): { busy: number; idle: number } {
    return { busy: this.inFlight, idle: this.idle.length };
  }

  /**
   * Starts one environment and runs its init phase now (loads the handler's module), so a first
   * request finds it warm; does nothing when the function has an environment already. An init
   * error is reported here and again by the invocations that meet it.
   */
  async init(): Promise<void> {
    if (this.stopped || this.environments.size > 0) return;
    const environment = this.acquire();
    await this.runInit(environment);
    this.release(environment);
  }

  /**
   * InvokeWithResponseStream: runs the invocation like invoke, and hands `onChunk` each chunk of
   * the response stream as the handler writes it (for a handler that does not stream: its JSON
   * result, as one chunk). Resolves once the invocation and its stream ended; rejects like invoke
   * (a timeout stops the environment mid-stream, as Lambda cuts the stream off).
   */
  async invokeWithResponseStream(
    event: unknown,
    onChunk: (chunk: Uint8Array) => void,
    options: InvokeOptions = {},
  ): Promise<void> {
    await this.invokeIn(event, options, onChunk);
  }

  /**
   * Resolves with the handler's JSON result; rejects with LambdaFunctionError, LambdaTimeoutError
   * or LambdaThrottledError (nothing ran). With options.signal, the handler's context gets an
   * `abortSignal` (a local-only extension, e.g. for an API request whose client went away) that
   * aborts when this signal does; the invocation itself carries on, as in Lambda.
   */
  invoke(event: unknown, options: InvokeOptions = {}): Promise<unknown> {
    return this.invokeIn(event, options);
  }

  /** One invocation in one environment; with onChunk, a streamed one. */
  private async invokeIn(
    event: unknown,
    options: InvokeOptions,
    onChunk?: (chunk: Uint8Array) => void,
  ): Promise<unknown> {
    if (this.stopped) throw new Error(`${this.functionName} is stopped`);
    const environment = this.acquire();
    this.metrics.invocations++;
    try {
      if (!environment.initialized) await this.runInit(environment);
      const timeoutMs = this.timeoutSeconds * 1000;
      return await this.run(
        environment,
        {
          type: 'invoke',
          requestId: randomUUID(),
          deadline: Date.now() + timeoutMs,
          event,
          abortable: options.signal !== undefined,
          stream: onChunk !== undefined,
          ...(options.fault ? { fault: options.fault } : {}),
        },
        timeoutMs,
        options.signal,
        onChunk,
      );
    } finally {
      // A handler error leaves the environment usable, as on Lambda; one that timed out or died is gone already.
      this.release(environment);
    }
  }

  /** The init phase of a new environment; one that fails or times out is discarded (the next invocation starts afresh). */
  private async runInit(environment: Environment): Promise<void> {
    try {
      await this.initSlots.run(async () => {
        // Stopped while it waited for a slot.
        if (!this.environments.has(environment)) throw new Error(`${this.functionName} was stopped`);
        await this.run(environment, { type: 'init' }, INIT_LIMIT_MS + this.timeoutSeconds * 1000);
      });
      environment.initialized = true;
    } catch (error) {
      this.discard(environment);
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const environments = [...this.environments];
    for (const environment of environments) this.discard(environment, new Error(`${this.functionName} was stopped`));
    await Promise.all(environments.map((environment) => environment.worker.terminate().catch(() => 0)));
  }

  oldestIdleSince(): number | undefined {
    return this.idle[0]?.idleSince;
  }

  stopOldestIdle(): void {
    const environment = this.idle[0];
    if (environment) this.discard(environment);
  }

  /** The most recently used idle environment, else a new one; throws LambdaThrottledError past the limits. */
  private acquire(): Environment {
    const warm = this.idle.pop();
    if (warm) {
      clearTimeout(warm.idleTimer);
      this.notePeak();
      return warm;
    }
    const reserved = this.reservedConcurrency !== undefined;
    if (this.environments.size >= this.concurrencyLimit || (!reserved && !this.account.tryAcquire())) {
      this.metrics.throttles++;
      throw new LambdaThrottledError(
        this.functionName,
        reserved ? 'ReservedFunctionConcurrentInvocationLimitExceeded' : 'ConcurrentInvocationLimitExceeded',
      );
    }
    const environment = this.startEnvironment(!reserved);
    this.notePeak();
    return environment;
  }

  /** Called once the acquired environment counts as busy. */
  private notePeak(): void {
    this.metrics.peakConcurrency = Math.max(this.metrics.peakConcurrency, this.inFlight);
  }

  /**
   * Runs one message on the environment within timeoutMs; a timeout discards the environment.
   * The caller releases it after.
   */
  private run(
    environment: Environment,
    message:
      | { type: 'init' }
      | {
          type: 'invoke';
          requestId: string;
          deadline: number;
          event: unknown;
          abortable: boolean;
          stream: boolean;
          fault?: InvocationFault;
        },
    timeoutMs: number,
    signal?: AbortSignal,
    onChunk?: (chunk: Uint8Array) => void,
  ): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (environment.current?.id === id)
          environment.worker.postMessage({ type: 'abort', id, reason: describeAbortReason(signal) });
      };
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const timer = setTimeout(() => {
        finish();
        // Lambda restarts the runtime after a timeout: whatever the handler still does must not
        // reach the next invocation, so the environment goes (a fresh one is a cold start).
        this.discard(environment);
        reject(new LambdaTimeoutError(this.functionName, this.timeoutSeconds));
      }, timeoutMs);
      environment.current = {
        id,
        ...(onChunk ? { onChunk } : {}),
        resolve: (value) => {
          finish();
          environment.current = undefined;
          resolve(value);
        },
        reject: (error) => {
          finish();
          environment.current = undefined;
          reject(error);
        },
      };
      environment.worker.postMessage({ ...message, id });
      // Messages to the worker arrive in order: an abort always follows its invocation.
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Back to the idle pool (most recently used last), to be stopped after idleTimeoutMs. */
  private release(environment: Environment): void {
    if (!this.environments.has(environment) || this.idle.includes(environment)) return;
    environment.idleSince = Date.now();
    environment.idleTimer = setTimeout(() => this.discard(environment), this.idleTimeoutMs);
    environment.idleTimer.unref();
    this.idle.push(environment);
  }

  /** Removes the environment and stops its worker; its invocation, if any, fails with `error`. */
  private discard(environment: Environment, error?: Error): void {
    if (!this.environments.delete(environment)) return;
    clearTimeout(environment.idleTimer);
    const index = this.idle.indexOf(environment);
    if (index >= 0) this.idle.splice(index, 1);
    if (environment.holdsAccountSlot) this.account.release();
    const current = environment.current;
    environment.current = undefined;
    if (current && error) current.reject(error);
    environment.worker.terminate().catch(() => 0);
  }

  private startEnvironment(holdsAccountSlot: boolean): Environment {
    const worker = new Worker(WORKER_SCRIPT, {
      env: this.environment,
      execArgv: this.execArgv,
      // The heap may grow to the function's MemorySize; past it the worker dies like Lambda's runtime.
      resourceLimits: { maxOldGenerationSizeMb: Math.max(64, this.memorySize) },
      workerData: {
        codeDir: this.codeDir,
        handler: this.handler,
        functionName: this.functionName,
        functionArn: this.functionArn,
        memorySize: this.memorySize,
        logGroupName: this.environment.AWS_LAMBDA_LOG_GROUP_NAME,
      },
    });
    const environment: Environment = { worker, idleSince: Date.now(), holdsAccountSlot, initialized: false };
    this.environments.add(environment);
    this.metrics.coldStarts++;
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      const current = environment.current;
      if (!current || current.id !== reply.id) return;
      if (reply.ok === undefined) current.onChunk?.(reply.chunk);
      else if (reply.ok) current.resolve(reply.result);
      else current.reject(new LambdaFunctionError(reply.error.errorType, reply.error.errorMessage, reply.error.stack));
    });
    // The handler called process.exit, or threw outside any invocation, or ran out of memory.
    const onDeath = (errorType: string, reason: string) =>
      this.discard(environment, new LambdaFunctionError(errorType, `${this.functionName}: ${reason}`));
    worker.on('error', (error: Error & { code?: string }) =>
      onDeath(
        error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'Runtime.OutOfMemory' : 'Runtime.ExitError',
        `runtime error: ${error.message}`,
      ),
    );
    worker.on('exit', (code) => onDeath('Runtime.ExitError', `runtime exited with code ${code}`));
    return environment;
  }
}
