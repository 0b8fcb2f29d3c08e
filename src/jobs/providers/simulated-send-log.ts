import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ProviderCall } from './provider-call';

/**
 * The simulated providers' side effects, countable: when this variable names a file, every
 * delivery a simulator makes (an email or text "sent", a cleanup run) appends one JSON line to it,
 * and so does every call it answered from its idempotency keys instead. A harness compares those
 * lines with the jobs that completed: a job whose effect shows twice was delivered twice,
 * whatever its history says.
 */
export const SIMULATED_SEND_LOG_VARIABLE = 'JOBS_SIMULATED_SEND_LOG';

export interface SimulatedSend {
  channel: 'email' | 'sms' | 'cleanup';
  /** Who got it: the address, the number, or the cleanup request's task/durationMs/simulateFailures. */
  recipient: string;
  messageId: string;
  attempt: number;
  idempotencyKey: string;
  /** True when nothing was delivered: the key had been delivered before, and that delivery's id was answered. */
  deduplicated: boolean;
  at: string;
}

/**
 * The simulators' delivery records, which make them idempotent the way a provider that takes an
 * idempotency token is: one delivery per key, a repeated call answered with the first one's id.
 */
export interface SimulatedDeliveries {
  deliver(channel: SimulatedSend['channel'], recipient: string, call: ProviderCall): { messageId: string };
}

/**
 * The deliveries the environment asks for. With the log variable set, the keys are kept beside
 * the log file (one file per key, created atomically), so every execution environment and process
 * of the stack shares them, as they would share a real provider. Without it, the keys are kept in
 * memory, per execution environment: a duplicate run in another environment delivers again.
 */
export function simulatedDeliveries(env: Readonly<Record<string, string | undefined>>): SimulatedDeliveries {
  const file = env[SIMULATED_SEND_LOG_VARIABLE];
  return file ? fileDeliveries(file) : memoryDeliveries();
}

/** Keys an environment remembers: a long-lived local stack must not grow by one entry per job forever. */
const REMEMBERED_KEYS = 10_000;

function memoryDeliveries(): SimulatedDeliveries {
  const delivered = new Map<string, string>();
  return {
    deliver(channel, _recipient, { idempotencyKey }) {
      let messageId = delivered.get(idempotencyKey);
      if (messageId === undefined) {
        delivered.set(idempotencyKey, (messageId = newMessageId(channel)));
        // A Map iterates in insertion order: the first key is the oldest.
        if (delivered.size > REMEMBERED_KEYS) delivered.delete(delivered.keys().next().value!);
      }
      return { messageId };
    },
  };
}

function fileDeliveries(file: string): SimulatedDeliveries {
  const keys = `${file}.keys`;
  mkdirSync(keys, { recursive: true });
  return {
    deliver(channel, recipient, { attempt, idempotencyKey }) {
      const candidate = newMessageId(channel);
      const messageId = firstMessageIdOf(keys, idempotencyKey, candidate);
      const send: SimulatedSend = {
        channel,
        recipient,
        messageId,
        attempt,
        idempotencyKey,
        deduplicated: messageId !== candidate,
        at: new Date().toISOString(),
      };
      // One small O_APPEND write per line: concurrent environments never interleave within a line.
      appendFileSync(file, `${JSON.stringify(send)}\n`);
      return { messageId };
    },
  };
}

/** Claims the key for `candidate` (a hard link fails if the key's file exists), or reads who has it. */
function firstMessageIdOf(keys: string, idempotencyKey: string, candidate: string): string {
  const keyFile = `${keys}/${createHash('sha256').update(idempotencyKey).digest('hex')}`;
  const written = `${keyFile}.${randomUUID()}`;
  writeFileSync(written, candidate);
  try {
    linkSync(written, keyFile);
    return candidate;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readFileSync(keyFile, 'utf8');
  } finally {
    rmSync(written, { force: true });
  }
}

const newMessageId = (channel: SimulatedSend['channel']) => `simulated-${channel}-${randomUUID()}`;

/** The recipient key a cleanup run is recorded under. */
export function cleanupRecipient(request: {
  task: string;
  durationMs?: number | undefined;
  simulateFailures?: number | undefined;
}): string {
  return `${request.task}/${request.durationMs ?? 0}/${request.simulateFailures ?? 0}`;
}
