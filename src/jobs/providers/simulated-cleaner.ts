import { setTimeout as sleep } from 'node:timers/promises';
import { TransientJobError } from '../errors/transient-job-error';
import type { Cleaner, CleanupRequest } from './cleaner';
import type { ProviderCall } from './provider-call';
import { cleanupRecipient, simulatedDeliveries, type SimulatedDeliveries } from './simulated-send-log';

/**
 * Stands in for real housekeeping. `simulateFailures: N` fails transiently on the first N attempts;
 * `durationMs` makes the task take that long, to exercise timeouts and leases. A run that succeeds
 * counts as delivered once per idempotency key.
 */
export class SimulatedCleaner implements Cleaner {
  constructor(private readonly deliveries: SimulatedDeliveries = simulatedDeliveries({})) {}

  async run(request: CleanupRequest, call: ProviderCall): Promise<{ removed: number }> {
    if (request.durationMs) await sleep(request.durationMs);
    if (request.simulateFailures !== undefined && call.attempt <= request.simulateFailures) {
      throw new TransientJobError(`Simulated transient failure ${call.attempt} of ${request.simulateFailures}`);
    }
    this.deliveries.deliver('cleanup', cleanupRecipient(request), call);
    return { removed: 0 };
  }
}
