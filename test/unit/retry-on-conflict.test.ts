import { JobConflictError } from '../../src/jobs/errors/job-conflict-error';
import { JobContentionError } from '../../src/jobs/errors/job-contention-error';
import { JobsError } from '../../src/jobs/errors/jobs-error';
import type { Job } from '../../src/jobs/job';
import { DEFAULT_CONFLICT_ROUNDS, retryOnConflict } from '../../src/jobs/retry-on-conflict';
import { aJob } from '../support/jobs';

/** A store whose job moves on by one version on every read, as if another writer got in first each time. */
function storeOf(job: Job) {
  let version = job.version;
  return {
    reads: 0,
    async get(): Promise<Job | undefined> {
      this.reads++;
      return { ...job, version: version++ };
    },
  };
}

describe('retryOnConflict', () => {
  it('returns what the step returns when its write wins the first time', async () => {
    const store = storeOf(aJob());
    await expect(retryOnConflict(store, 'j', async (job) => job?.version)).resolves.toBe(1);
    expect(store.reads).toBe(1);
  });

  it('runs the step again on the job the conflict reported, without another read', async () => {
    const store = storeOf(aJob());
    const seen: number[] = [];
    const result = await retryOnConflict(store, 'j', async (job) => {
      seen.push(job!.version);
      if (seen.length < 3) throw new JobConflictError('j', { ...job!, version: job!.version + 10 });
      return 'written';
    });
    expect(result).toBe('written');
    expect(seen).toEqual([1, 11, 21]);
    expect(store.reads).toBe(1);
  });

  it('re-reads when the conflict could not say what the job now is', async () => {
    const store = storeOf(aJob());
    const seen: number[] = [];
    await retryOnConflict(store, 'j', async (job) => {
      seen.push(job!.version);
      if (seen.length < 2) throw new JobConflictError('j');
    });
    expect(seen).toEqual([1, 2]);
  });

  it(`gives up after ${DEFAULT_CONFLICT_ROUNDS} lost races with a coded JobContentionError`, async () => {
    let rounds = 0;
    const error = await retryOnConflict(storeOf(aJob()), 'job-7', async () => {
      rounds++;
      throw new JobConflictError('job-7');
    }).catch((e: unknown) => e);
    expect(rounds).toBe(DEFAULT_CONFLICT_ROUNDS);
    expect(error).toBeInstanceOf(JobContentionError);
    expect(error).toBeInstanceOf(JobsError);
    expect(error).toMatchObject({ code: 'job-contention', jobId: 'job-7', rounds: DEFAULT_CONFLICT_ROUNDS });
  });

  it('honours a smaller bound', async () => {
    let rounds = 0;
    await expect(
      retryOnConflict(
        storeOf(aJob()),
        'j',
        async () => {
          rounds++;
          throw new JobConflictError('j');
        },
        { rounds: 2 },
      ),
    ).rejects.toBeInstanceOf(JobContentionError);
    expect(rounds).toBe(2);
  });

  it('lets any other error through at once', async () => {
    let rounds = 0;
    await expect(
      retryOnConflict(storeOf(aJob()), 'j', async () => {
        rounds++;
        throw new RangeError('boom');
      }),
    ).rejects.toBeInstanceOf(RangeError);
    expect(rounds).toBe(1);
  });

  it('hands the step undefined for a missing job', async () => {
    await expect(retryOnConflict({ get: async () => undefined }, 'j', async (job) => job ?? 'none')).resolves.toBe(
      'none',
    );
  });
});
