import { BroadcastChannel } from 'node:worker_threads';

/**
 * Set in every function's environment in chaos mode: the fraction of AWS SDK calls a function's
 * own fault-injecting middleware should fail with a throttling error. The local stack cannot reach
 * into the functions' SDK clients; an app opts in by registering such a middleware where it creates
 * its clients (serverless-jobs: src/aws/sdk-fault-injection.ts). Without one, the variable does nothing.
 */
export const CHAOS_SDK_THROTTLE_RATE_VARIABLE = 'CHAOS_SDK_THROTTLE_RATE';

/** The BroadcastChannel on which such middleware announces each fault it injected, so chaos mode can count them. */
export const CHAOS_SDK_FAULTS_CHANNEL = 'chaos-sdk-faults';

export interface ChaosOptions {
  /** Fraction of SQS-triggered invocations whose handler throws (the consumer crashes). Default 0. */
  readonly crashRate?: number;
  /** Fraction of SQS-triggered invocations that never return: they run into the function's Timeout. Default 0. */
  readonly hangRate?: number;
  /** Fraction of SQS batches delivered twice, to two invocations at once (SQS's at-least-once delivery). Default 0. */
  readonly duplicateRate?: number;
  /** Fraction of the functions' SDK calls throttled (see CHAOS_SDK_THROTTLE_RATE_VARIABLE). Default 0. */
  readonly sdkThrottleRate?: number;
  /**
   * When an injected crash or hang strikes: before the handler runs (the work is not done and the
   * messages come back after the visibility timeout), after it returned (the work is done but never
   * acknowledged), or either at random. Default 'either'.
   */
  readonly placement?: 'before' | 'after' | 'either';
  /** Default Math.random. */
  readonly random?: () => number;
}

/** A fault the Lambda runtime injects into one invocation. */
export interface InvocationFault {
  readonly kind: 'crash' | 'hang';
  readonly when: 'before' | 'after';
}

/** Faults injected so far, by kind: crash, hang, duplicate, and sdk-throttle:<service> as the functions announce them. */
export type ChaosCounts = Record<string, number>;

/**
 * Chaos mode: draws the faults the Lambda runtime and the SQS event sources inject, hands the
 * functions the variables that switch on their SDK faults, and counts everything injected.
 * Generic over any template: it knows invocations and deliveries, not what the functions do.
 */
export class ChaosMode {
  readonly counts: ChaosCounts = {};
  private readonly random: () => number;
  private readonly channel?: BroadcastChannel;

  constructor(readonly options: ChaosOptions) {
    this.random = options.random ?? Math.random;
    if ((options.sdkThrottleRate ?? 0) > 0) {
      this.channel = new BroadcastChannel(CHAOS_SDK_FAULTS_CHANNEL);
      this.channel.unref();
      this.channel.onmessage = (event) => {
        const fault = (event as { data?: { kind?: unknown; service?: unknown } }).data;
        this.count(`${String(fault?.kind ?? 'sdk-fault')}:${String(fault?.service ?? 'AWS')}`);
      };
    }
  }

  /** Variables added to every function's environment. */
  environment(): Record<string, string> {
    const rate = this.options.sdkThrottleRate ?? 0;
    return rate > 0 ? { [CHAOS_SDK_THROTTLE_RATE_VARIABLE]: String(rate) } : {};
  }

  /** The fault for the next SQS-triggered invocation, if any (counted). */
  invocationFault(): InvocationFault | undefined {
    const draw = this.random();
    const crash = this.options.crashRate ?? 0;
    const hang = this.options.hangRate ?? 0;
    const kind = draw < crash ? 'crash' : draw < crash + hang ? 'hang' : undefined;
    if (!kind) return undefined;
    const placement = this.options.placement ?? 'either';
    const when = placement === 'either' ? (this.random() < 0.5 ? 'before' : 'after') : placement;
    this.count(kind);
    this.count(`${kind}:${when}`);
    return { kind, when };
  }

  /** Whether the next batch is delivered twice (counted). */
  duplicateDelivery(): boolean {
    if (this.random() >= (this.options.duplicateRate ?? 0)) return false;
    this.count('duplicate');
    return true;
  }

  /** One line for the startup report. */
  describe(): string {
    const { crashRate = 0, hangRate = 0, duplicateRate = 0, sdkThrottleRate = 0, placement = 'either' } = this.options;
    return `⚠ chaos mode: ${crashRate * 100} % of SQS-triggered invocations crash and ${hangRate * 100} % hang (${placement} the handler), ${duplicateRate * 100} % of SQS batches are delivered twice, ${CHAOS_SDK_THROTTLE_RATE_VARIABLE}=${sdkThrottleRate} in every function`;
  }

  stop(): void {
    this.channel?.close();
  }

  private count(kind: string): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
  }
}
