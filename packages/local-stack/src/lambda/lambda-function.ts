import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const WORKER_SCRIPT = fileURLToPath(new URL('./lambda-worker.mjs', import.meta.url));

export interface LocalFunctionConfig {
  logicalId: string;
  functionName: string;
  functionArn: string;
  codeDir: string;
  handler: string;
  timeoutSeconds: number;
  memorySize: number;
  /** The complete environment of the function's worker (template variables + emulator endpoints). */
  environment: Record<string, string>;
}

/** The handler threw (or returned a rejected promise). */
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

/** The invocation ran past the function's Timeout; its eventual result is ignored. */
export class LambdaTimeoutError extends Error {
  readonly errorType = 'Sandbox.Timedout';
  constructor(functionName: string, timeoutSeconds: number) {
    super(`${functionName}: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`);
    this.name = 'LambdaTimeoutError';
  }
}

export interface InvokeOptions {
  /** Aborting it aborts the handler's context.abortSignal (see invoke). */
  signal?: AbortSignal;
}

/** The abort reason's message, for the worker's AbortSignal (errors do not cross threads intact). */
function describeAbortReason(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason.message : reason === undefined ? 'Aborted' : String(reason);
}

type WorkerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { errorType: string; errorMessage: string; stack?: string } };

interface PendingInvocation {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * A Lambda function running locally in its own worker thread (its own process.env and
 * module state, like its own execution environment). Invocations may run concurrently.
 */
export class LocalFunction {
  readonly logicalId: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly handler: string;
  readonly codeDir: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  readonly environment: Readonly<Record<string, string>>;

  private worker?: Worker;
  private readonly pending = new Map<number, PendingInvocation>();
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
  }

  /** Invocations waiting for their result (timed-out ones no longer count). */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Runs the init phase now (loads the handler's module), so the first request does not pay for
   * it; an init error is reported here and again by the invocations that meet it.
   */
  init(): Promise<void> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve: () => resolve(), reject });
      worker.postMessage({ type: 'init', id });
    });
  }

  /**
   * Resolves with the handler's JSON result; rejects with LambdaFunctionError or LambdaTimeoutError.
   * With options.signal, the handler's context gets an `abortSignal` (a local-only extension, e.g.
   * for an API request whose client went away) that aborts when this signal does; the invocation
   * itself carries on, as in Lambda.
   */
  invoke(event: unknown, options: InvokeOptions = {}): Promise<unknown> {
    if (this.stopped) return Promise.reject(new Error(`${this.functionName} is stopped`));
    const worker = this.ensureWorker();
    const id = this.nextId++;
    const timeoutMs = this.timeoutSeconds * 1000;
    const { signal } = options;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (this.pending.has(id)) worker.postMessage({ type: 'abort', id, reason: describeAbortReason(signal) });
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
        reject(new LambdaTimeoutError(this.functionName, this.timeoutSeconds));
      }, timeoutMs);
      const settle = (fn: () => void) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
        fn();
      };
      this.pending.set(id, {
        resolve: (value) => settle(() => resolve(value)),
        reject: (error) => settle(() => reject(error)),
      });
      worker.postMessage({
        type: 'invoke',
        id,
        requestId: randomUUID(),
        deadline: Date.now() + timeoutMs,
        event,
        abortable: signal !== undefined,
      });
      // Messages to the worker arrive in order: an abort always follows its invocation.
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new Error(`${this.functionName} was stopped`));
    await worker?.terminate();
  }

  /** Starts the worker lazily, and again after it crashed (e.g. the handler called process.exit). */
  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SCRIPT, {
      env: this.environment,
      workerData: {
        codeDir: this.codeDir,
        handler: this.handler,
        functionName: this.functionName,
        functionArn: this.functionArn,
        memorySize: this.memorySize,
        logGroupName: this.environment.AWS_LAMBDA_LOG_GROUP_NAME,
      },
    });
    worker.on('message', (reply: WorkerReply) => {
      const invocation = this.pending.get(reply.id);
      if (!invocation) return; // already timed out: the late result is ignored
      if (reply.ok) invocation.resolve(reply.result);
      else
        invocation.reject(new LambdaFunctionError(reply.error.errorType, reply.error.errorMessage, reply.error.stack));
    });
    const onDeath = (reason: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failAll(new LambdaFunctionError('Runtime.ExitError', `${this.functionName}: ${reason}`));
    };
    worker.on('error', (error) => onDeath(`runtime error: ${error.message}`));
    worker.on('exit', (code) => onDeath(`runtime exited with code ${code}`));
    this.worker = worker;
    return worker;
  }

  private failAll(error: Error): void {
    for (const invocation of [...this.pending.values()]) invocation.reject(error);
    this.pending.clear();
  }
}
