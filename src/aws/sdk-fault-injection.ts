import { BroadcastChannel } from 'node:worker_threads';
import type { FinalizeHandler, FinalizeHandlerArguments, HandlerExecutionContext, Pluggable } from '@smithy/types';

/**
 * Fault injection for the SDK clients, off unless this variable holds a rate in (0, 1]: that
 * fraction of requests fails with a throttling error before it leaves the process. Only the local
 * stack's chaos mode sets it (on every function it runs); nothing else in the code knows chaos exists.
 */
export const SDK_THROTTLE_RATE_VARIABLE = 'CHAOS_SDK_THROTTLE_RATE';

/**
 * Each injected fault is announced on this BroadcastChannel (every thread of the process hears it),
 * so whoever runs the functions can count them. The local stack's chaos mode listens on the same name.
 */
export const SDK_FAULTS_CHANNEL = 'chaos-sdk-faults';

/** What is announced per injected fault. */
export interface InjectedSdkFault {
  kind: 'sdk-throttle';
  service: string;
  operation: string;
}

/** The error a throttled AWS call raises, classified as throttling by the SDK's retry strategy and by isOverloadError. */
class InjectedThrottlingError extends Error {
  override readonly name = 'ThrottlingException';
  readonly $fault = 'client';
  readonly $metadata = { httpStatusCode: 400 };
  readonly $retryable = { throttling: true };
}

/**
 * The middleware sits inside the SDK's retry loop (after retryMiddleware), as a throttle answered by
 * the service would: the standard retries absorb most faults and the rest reach the product code.
 * With the variable unset it adds nothing: the clients stay untouched.
 */
export function sdkFaultInjection<Input extends object, Output extends object>(
  env: Readonly<Record<string, string | undefined>> = process.env,
  random: () => number = Math.random,
): Pluggable<Input, Output> {
  const rate = Number(env[SDK_THROTTLE_RATE_VARIABLE] ?? 0);
  if (!(rate > 0)) return { applyToStack() {} };
  let channel: BroadcastChannel | undefined;
  const announce = (fault: InjectedSdkFault) => {
    if (!channel) {
      channel = new BroadcastChannel(SDK_FAULTS_CHANNEL);
      channel.unref(); // never what keeps an execution environment alive
    }
    channel.postMessage(fault);
  };
  const middleware =
    (next: FinalizeHandler<Input, Output>, context: HandlerExecutionContext) =>
    async (args: FinalizeHandlerArguments<Input>) => {
      if (random() < rate) {
        const service = context.clientName?.replace(/Client$/, '') ?? 'AWS';
        const operation = context.commandName?.replace(/Command$/, '') ?? 'request';
        announce({ kind: 'sdk-throttle', service, operation });
        throw new InjectedThrottlingError(`Rate exceeded (injected fault) on ${service}.${operation}`);
      }
      return next(args);
    };
  return {
    applyToStack(stack) {
      stack.addRelativeTo(middleware, {
        relation: 'after',
        toMiddleware: 'retryMiddleware',
        name: 'sdkFaultInjectionMiddleware',
        override: true,
      });
    },
  };
}
