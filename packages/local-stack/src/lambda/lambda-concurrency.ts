/**
 * Lambda's concurrency limits for the local stack. A function with ReservedConcurrentExecutions
 * gets exactly that many execution environments; the others share the account's unreserved
 * concurrency (the local account limit minus every reservation), each up to a local per-function
 * cap. An environment holds its slot while it exists, busy or idle, so the number of live
 * environments (and with it memory) never exceeds the limits; a function that needs a new
 * environment when every slot is taken reclaims the least recently used idle one of another
 * function, and is throttled only when all of them are busy.
 */

import { availableParallelism } from 'node:os';

/**
 * Lambda's default account concurrency is 1000; a laptop affords fewer environments (~50–90 MB
 * each; only environments in use exist, so the limit costs nothing until reached). 250 is the
 * smallest account on which Lambda accepts reservations of 150 (it keeps at least 100
 * unreserved), so a stack reserving that much (serverless-jobs: 100 for long polls, 50 for event
 * streams) still runs locally with 100 left to share.
 */
export const DEFAULT_ACCOUNT_CONCURRENCY = 250;
/** Lambda refuses a reservation that leaves the account fewer unreserved executions than this. */
export const MIN_UNRESERVED_CONCURRENCY = 100;
/** The local per-function cap for functions without reserved concurrency (Lambda has none below the account's). */
export const DEFAULT_FUNCTION_CONCURRENCY = 100;
/** How long an idle environment is kept warm. Lambda does not document its own (minutes, in practice). */
export const DEFAULT_ENVIRONMENT_IDLE_MS = 60_000;

/** A function whose idle environments the account may reclaim. */
export interface ReclaimableFunction {
  /** When its least recently used idle environment went idle; undefined when none is idle. */
  oldestIdleSince(): number | undefined;
  /** Stops that environment; it releases its slot synchronously. */
  stopOldestIdle(): void;
}

/** The account's unreserved concurrency, shared by the functions without a reservation. */
export class AccountConcurrency {
  private live = 0;
  private readonly members = new Set<ReclaimableFunction>();

  constructor(readonly unreservedLimit: number) {}

  /** Environments holding an unreserved slot right now. */
  get liveEnvironments(): number {
    return this.live;
  }

  join(fn: ReclaimableFunction): void {
    this.members.add(fn);
  }

  /**
   * Takes a slot for a new environment: a free one, else the slot of the least recently used idle
   * environment of any function (which is stopped). False when every slot is busy: a throttle.
   */
  tryAcquire(): boolean {
    if (this.live < this.unreservedLimit) {
      this.live++;
      return true;
    }
    let oldest: ReclaimableFunction | undefined;
    let oldestSince = Infinity;
    for (const fn of this.members) {
      const since = fn.oldestIdleSince();
      if (since !== undefined && since < oldestSince) [oldest, oldestSince] = [fn, since];
    }
    if (!oldest) return false;
    oldest.stopOldestIdle();
    this.live++;
    return true;
  }

  release(): void {
    this.live = Math.max(0, this.live - 1);
  }
}

/** The slots left for unreserved functions, as Lambda computes them (never below one locally). */
export function unreservedConcurrency(accountLimit: number, reservations: number[]): number {
  const reserved = reservations.reduce((sum, n) => sum + n, 0);
  return Math.max(1, accountLimit - reserved);
}

/**
 * Cold starts waiting for the CPU. On Lambda every environment has its own CPU; locally they share
 * the machine's, and a burst of parallel inits (each compiling a bundle) would all outlast their
 * limits together. So at most `slots` inits run at once; the others wait their turn, and their
 * init time starts when they get one.
 */
export class InitSlots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly slots: number) {}

  async run<T>(init: () => Promise<T>): Promise<T> {
    if (this.running >= this.slots) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await init();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/** Shared by every function of the process: one init per CPU at a time. */
export const MACHINE_INIT_SLOTS = new InitSlots(Math.max(1, availableParallelism()));
