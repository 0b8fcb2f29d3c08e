import { DependencyUnavailableError } from '../../src/jobs/errors/dependency-unavailable-error';
import { InMemoryJobsRepository } from '../../src/jobs/in-memory/in-memory-jobs-repository';
import type { Job } from '../../src/jobs/job';
import { messageFor } from '../../src/jobs/job-rounds';
import { COMPLETION_SAVE_TRIES, handleJobMessage } from '../../src/jobs/use-cases/handle-job-message';
import { aJob, inMemoryWorker } from '../support/jobs';

/** A table that throttles the first `throttled` completion saves. */
class ThrottlingCompletions extends InMemoryJobsRepository {
  constructor(private throttled: number) {
    super();
  }
  override async save(previous: Job, next: Job): Promise<Job> {
    if (next.status === 'completed' && this.throttled-- > 0)
      throw new DependencyUnavailableError('DynamoDB', 1, { cause: new Error('ThrottlingException') });
    return super.save(previous, next);
  }
}

async function deliverOnce(throttled: number) {
  const repository = new ThrottlingCompletions(throttled);
  const { runs, deps } = inMemoryWorker(repository);
  const waits: number[] = [];
  deps.wait = async (ms) => waits.push(ms);
  const job = aJob('email');
  await repository.create(job);
  const outcome = await handleJobMessage(deps, messageFor(job)).catch((error: Error) => error);
  return { outcome, runs, waits, stored: await repository.get(job.id) };
}

// Found by `npm run chaos` (SDK throttling on 10 % of calls): a completion save that lost to a
// throttle left the job processing, and the email was sent again once the lease expired.
test('a throttled completion save is retried: the job completes and its email is sent once', async () => {
  const { outcome, runs, waits, stored } = await deliverOnce(COMPLETION_SAVE_TRIES - 1);
  expect(outcome).toEqual({ kind: 'acknowledge', reason: 'completed' });
  expect(runs).toEqual(['email']);
  // Backing off between tries, doubling, within the invocation.
  expect(waits).toEqual([200, 400, 800, 1600]);
  expect(stored?.status).toBe('completed');
});

test('a table that stays busy still fails the delivery, for SQS to retry it', async () => {
  const { outcome, waits, stored } = await deliverOnce(COMPLETION_SAVE_TRIES);
  expect(outcome).toBeInstanceOf(DependencyUnavailableError);
  expect(waits).toHaveLength(COMPLETION_SAVE_TRIES - 1);
  expect(stored?.status).toBe('processing');
});
