import { randomUUID } from 'node:crypto';
import { PermanentJobError } from '../../src/jobs/errors/permanent-job-error';
import { TransientJobError } from '../../src/jobs/errors/transient-job-error';
import { SimulatedCleaner } from '../../src/jobs/providers/simulated-cleaner';

const cleaner = new SimulatedCleaner();
const call = (attempt: number) => ({ attempt, idempotencyKey: randomUUID() });

describe('SimulatedCleaner', () => {
  it('a task without simulated failures succeeds on the first attempt', async () => {
    await expect(cleaner.run({ task: 'delete_temp' }, call(1))).resolves.toEqual({ removed: 0 });
  });

  it('simulateFailures: 2 fails transiently on attempts 1 and 2, then succeeds', async () => {
    const request = { task: 'remove_old_logs', simulateFailures: 2 } as const;
    for (const attempt of [1, 2]) {
      const error = await cleaner.run(request, call(attempt)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientJobError);
      expect(error).not.toBeInstanceOf(PermanentJobError);
    }
    await expect(cleaner.run(request, call(3))).resolves.toEqual({ removed: 0 });
  });

  it('simulateFailures: 0 never fails', async () => {
    await expect(cleaner.run({ task: 'expire_sessions', simulateFailures: 0 }, call(1))).resolves.toEqual({
      removed: 0,
    });
  });

  it('durationMs makes the task take at least that long', async () => {
    const startedAt = performance.now();
    await cleaner.run({ task: 'delete_temp', durationMs: 50 }, call(1));
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(45);
  });

  it('a slow task that should fail still fails after its duration', async () => {
    await expect(
      cleaner.run({ task: 'delete_temp', durationMs: 10, simulateFailures: 1 }, call(1)),
    ).rejects.toBeInstanceOf(TransientJobError);
  });
});
