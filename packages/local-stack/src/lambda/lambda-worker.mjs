// @ts-check
/* global AbortController, DOMException */
/**
 * One Lambda execution environment: runs inside its own worker thread, with the
 * function's own process.env and module state. Loads the handler on the init message
 * or the first invocation (the init phase of a cold start). The parent sends one
 * invocation at a time, as Lambda does, enforces timeouts (a timed-out environment is
 * terminated) and keeps idle environments warm; this side only reports results.
 */
import dns from 'node:dns';
import { enableCompileCache } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

/** @type {{ codeDir: string; handler: string; functionName: string; functionArn: string; memorySize: number; logGroupName: string }} */
const config = workerData;
const logStreamName = `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;

// fauxqs queue URLs use the host sqs.<region>.localhost and SDK clients send requests to the
// queue URL's host. *.localhost is loopback (RFC 6761) but not every resolver knows that: teach
// this worker's dns.lookup, so unmodified handler code can use its queue URLs.
/** @type {{ lookup: Function }} */
const dnsModule = /** @type {never} */ (dns);
const originalLookup = dnsModule.lookup;
dnsModule.lookup = function lookup(/** @type {string} */ hostname, /** @type {unknown[]} */ ...rest) {
  if (typeof hostname === 'string' && hostname.endsWith('.localhost')) {
    const options = /** @type {{ all?: boolean } | Function} */ (rest[0]);
    const callback = /** @type {Function} */ (typeof options === 'function' ? options : rest[1]);
    const all = typeof options === 'object' && options?.all;
    process.nextTick(() =>
      all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4),
    );
    return;
  }
  return originalLookup.call(dns, hostname, ...rest);
};

// Every environment of a function loads the same bundle: V8's code cache on disk (keyed by the
// file's contents) spares later cold starts most of the compilation.
enableCompileCache();

// The Lambda Node.js runtime's globals for response streaming, defined before the handler's
// module loads (its top level calls awslambda.streamifyResponse). As in the runtime, a streaming
// handler is marked with a symbol; HttpResponseStream.from writes the JSON metadata prelude and
// 8 NUL bytes before the first body byte, which API Gateway (here: the REST server) splits off.
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';

/** The runtime's response stream: a Writable whose bytes go to `sink` as they are written. */
class ResponseStream extends Writable {
  contentType = 'application/octet-stream';
  /**
   * Set by HttpResponseStream.from: writes the prelude before the first body byte (or at the end).
   * @type {((write: (chunk: string | Uint8Array) => void) => void) | undefined}
   */
  _onBeforeFirstWrite = undefined;
  #first = true;
  #sink;

  /** @param {(chunk: Uint8Array) => void} sink */
  constructor(sink) {
    super();
    this.#sink = sink;
  }

  /** @param {string} type */
  setContentType(type) {
    this.contentType = type;
  }

  /** @param {string | Uint8Array} chunk */
  #emit(chunk) {
    this.#sink(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  }

  #flushPrelude() {
    if (!this.#first) return;
    this.#first = false;
    this._onBeforeFirstWrite?.((chunk) => this.#emit(chunk));
  }

  /** @param {Buffer} chunk @param {string} _encoding @param {(error?: Error | null) => void} callback */
  _write(chunk, _encoding, callback) {
    this.#flushPrelude();
    if (chunk.length > 0) this.#emit(chunk);
    callback();
  }

  /** @param {(error?: Error | null) => void} callback */
  _final(callback) {
    this.#flushPrelude();
    callback();
  }
}

// Writable, as in the runtime: libraries add to it (the invoke store does `awslambda ||= {}`).
Object.defineProperty(globalThis, 'awslambda', {
  configurable: true,
  writable: true,
  value: {
    streamifyResponse(/** @type {Function & { [STREAMING]?: string }} */ handler) {
      handler[STREAMING] = 'response';
      return handler;
    },
    HttpResponseStream: {
      from(/** @type {ResponseStream} */ stream, /** @type {Record<string, unknown>} */ prelude) {
        stream.setContentType(PRELUDE_CONTENT_TYPE);
        const metadata = JSON.stringify(prelude);
        stream._onBeforeFirstWrite = (write) => {
          write(metadata);
          write(new Uint8Array(8));
        };
        return stream;
      },
    },
  },
});

/**
 * Runs a streaming handler as the runtime does: it must be async, and its stream must be ended by
 * the time its promise settles ("Response stream is not finished" otherwise).
 * @param {Function} handler
 * @param {unknown} event
 * @param {object} context
 * @param {(chunk: Uint8Array) => void} sink
 */
async function callStreamingHandler(handler, event, context, sink) {
  const stream = new ResponseStream(sink);
  const returned = handler(event, stream, context);
  if (!returned || typeof returned.then !== 'function')
    throw new Error('Streaming does not support non-async handlers.');
  await returned;
  if (!stream.writableEnded) throw new Error('Response stream is not finished.');
  await finished(stream);
}

/** @type {Promise<Function> | undefined} */
let handlerPromise;

async function loadHandler() {
  const dot = config.handler.lastIndexOf('.');
  const modulePath = config.handler.slice(0, dot);
  const exportName = config.handler.slice(dot + 1);
  const file = ['.mjs', '.js', '.cjs']
    .map((ext) => path.join(config.codeDir, modulePath + ext))
    .find((f) => existsSync(f));
  if (!file)
    throw Object.assign(new Error(`Cannot find module '${modulePath}' in ${config.codeDir}`), {
      name: 'Runtime.ImportModuleError',
    });
  const module = await import(pathToFileURL(file).href);
  const handler = module[exportName] ?? module.default?.[exportName];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${config.handler} is undefined or not exported`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  return handler;
}

/**
 * @param {{ requestId: string; deadline: number }} invocation
 * @param {AbortSignal | undefined} abortSignal
 */
function createContext(invocation, abortSignal) {
  return {
    // Local-only extension (Lambda has no such thing): aborted when the API client went away.
    ...(abortSignal ? { abortSignal } : {}),
    awsRequestId: invocation.requestId,
    functionName: config.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: config.functionArn,
    memoryLimitInMB: String(config.memorySize),
    logGroupName: config.logGroupName,
    logStreamName,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, invocation.deadline - Date.now()),
    done() {},
    succeed() {},
    fail() {},
  };
}

/** Supports async handlers and the older (event, context, callback) style. */
function callHandler(/** @type {Function} */ handler, /** @type {unknown} */ event, /** @type {object} */ context) {
  if (handler.length < 3) return handler(event, context);
  return new Promise((resolve, reject) => {
    const returned = handler(event, context, (/** @type {unknown} */ error, /** @type {unknown} */ result) =>
      error ? reject(error) : resolve(result),
    );
    if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
  });
}

/** A streaming function's bytes as a plain Invoke's result: its JSON when they parse, else the text. */
function payloadOf(/** @type {Buffer[]} */ chunks) {
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** @param {unknown} error */
function describeError(error) {
  if (error instanceof Error) return { errorType: error.name, errorMessage: error.message, stack: error.stack };
  return { errorType: 'Error', errorMessage: String(error) };
}

/**
 * Chaos mode's faults: a crash throws like a handler that failed; a hang never settles, so the
 * parent's timeout discards this environment as Lambda restarts a timed-out runtime.
 * @param {InvocationFault} fault
 * @returns {Promise<never>}
 */
function injectFault(fault) {
  if (fault.kind === 'hang') return new Promise(() => {});
  throw Object.assign(new Error(`Injected crash (chaos mode, ${fault.when} the handler)`), {
    name: 'Chaos.InjectedCrash',
  });
}

/** The AbortControllers of abortable invocations in flight, by invocation id. */
/** @type {Map<number, AbortController>} */
const abortControllers = new Map();

/**
 * @typedef {{ kind: 'crash' | 'hang'; when: 'before' | 'after' }} InvocationFault
 * @typedef {{ type: 'invoke'; id: number; requestId: string; deadline: number; event: unknown; abortable?: boolean; stream?: boolean; fault?: InvocationFault }} InvokeMessage
 * @typedef {{ type: 'abort'; id: number; reason: string }} AbortMessage
 * @typedef {{ type: 'init'; id: number }} InitMessage
 */

parentPort?.on('message', async (/** @type {InvokeMessage | AbortMessage | InitMessage} */ message) => {
  if (message.type === 'abort') {
    abortControllers.get(message.id)?.abort(new DOMException(message.reason, 'AbortError'));
    return;
  }
  if (message.type === 'init') {
    // Lambda's init phase: load the module (and run its top-level code) before the first request.
    try {
      handlerPromise ??= loadHandler();
      await handlerPromise;
      parentPort?.postMessage({ id: message.id, ok: true, result: null });
    } catch (error) {
      handlerPromise = undefined; // as in Lambda, a failed init is retried by the next invocation
      parentPort?.postMessage({ id: message.id, ok: false, error: describeError(error) });
    }
    return;
  }
  // Created before any await: an abort message right behind this one must find it.
  const controller = message.abortable ? new AbortController() : undefined;
  if (controller) abortControllers.set(message.id, controller);
  try {
    handlerPromise ??= loadHandler();
    const handler = await handlerPromise;
    if (message.fault?.when === 'before') await injectFault(message.fault);
    const context = createContext(message, controller?.signal);
    if (STREAMING in handler) {
      // InvokeWithResponseStream: each chunk goes out as it is written. A plain Invoke of a
      // streaming function answers with everything it wrote, as one payload.
      /** @type {Buffer[]} */
      const collected = [];
      const sink = message.stream
        ? (/** @type {Uint8Array} */ chunk) => parentPort?.postMessage({ id: message.id, chunk })
        : (/** @type {Uint8Array} */ chunk) => collected.push(Buffer.from(chunk));
      await callStreamingHandler(handler, message.event, context, sink);
      if (message.fault?.when === 'after') await injectFault(message.fault);
      parentPort?.postMessage({ id: message.id, ok: true, result: message.stream ? null : payloadOf(collected) });
      return;
    }
    const result = await callHandler(handler, message.event, context);
    if (message.fault?.when === 'after') await injectFault(message.fault);
    // Lambda returns JSON: the same round trip drops functions and undefined values.
    const json = result === undefined ? null : JSON.parse(JSON.stringify(result));
    // InvokeWithResponseStream of a function that does not stream: its JSON result is the one chunk.
    if (message.stream) parentPort?.postMessage({ id: message.id, chunk: Buffer.from(JSON.stringify(json)) });
    parentPort?.postMessage({ id: message.id, ok: true, result: json });
  } catch (error) {
    parentPort?.postMessage({ id: message.id, ok: false, error: describeError(error) });
  } finally {
    abortControllers.delete(message.id);
  }
});
