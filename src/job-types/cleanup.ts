import * as z from 'zod';
import { defineJobType } from '../jobs/define-job-type';
import { CLEANUP_TASKS, type Cleaner } from '../jobs/providers/cleaner';
import { SimulatedCleaner } from '../jobs/providers/simulated-cleaner';
import { simulatedDeliveries } from '../jobs/providers/simulated-send-log';

/** One housekeeping task, also enqueued daily at 00:00 UTC. */
export const cleanup = defineJobType({
  name: 'cleanup',
  payload: z.strictObject({
    task: z.enum(CLEANUP_TASKS, { error: `must be one of ${CLEANUP_TASKS.join(', ')}` }),
    /** Failure simulation: fail transiently on the first N attempts. */
    simulateFailures: z.number().int('must be a whole number').min(0).max(100).optional(),
    /** Failure simulation: the processor takes this long. */
    durationMs: z
      .number()
      .int('must be a whole number')
      .min(0)
      .max(15 * 60 * 1000)
      .optional(),
  }),
  config: {
    maxAttempts: 3,
    backoff: { baseMs: 5_000, capMs: 60 * 60 * 1000 },
    batchSize: 1,
    maxConcurrency: 2,
    timeoutSeconds: 60,
  },
  schedules: [{ name: 'daily-cleanup', cron: { minute: '0', hour: '0' }, payload: { task: 'delete_temp' } }],
  providers: (): { cleaner: Cleaner } => ({ cleaner: new SimulatedCleaner(simulatedDeliveries(process.env)) }),
  process: async (request, { attempt, idempotencyKey, providers }) => {
    const { removed } = await providers.cleaner.run(request, { attempt, idempotencyKey });
    return { task: request.task, removed };
  },
});
