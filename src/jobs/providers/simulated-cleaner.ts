import { setTimeout as sleep } from 'node:timers/promises';
import { TransientJobError } from '../errors/transient-job-error';
import type { Cleaner, CleanupRequest } from './cleaner';
import { cleanupRecipient, type SimulatedSendLog } from './simulated-send-log';

/**
 * Stands in for real housekeeping. `simulateFailures: N` fails transiently on the first N attempts;
 * `durationMs` makes the task take that long, to exercise timeouts and leases. Runs that succeed
 * are recorded in `sends`, if given.
 */
export class SimulatedCleaner implements Cleaner {
  constructor(private readonly sends?: SimulatedSendLog) {}

  async run(request: CleanupRequest, attempt: number): Promise<{ removed: number }> {
    if (request.durationMs) await sleep(request.durationMs);
    if (request.simulateFailures !== undefined && attempt <= request.simulateFailures) {
      throw new TransientJobError(`Simulated transient failure ${attempt} of ${request.simulateFailures}`);
    }
    this.sends?.record({ channel: 'cleanup', recipient: cleanupRecipient(request), messageId: 'cleanup', attempt });
    return { removed: 0 };
  }
}
