import { JobAlreadyExistsError } from '../../src/jobs/errors/job-already-exists-error';
import { JobConflictError } from '../../src/jobs/errors/job-conflict-error';
import { applyFirstClaim, firstClaimOf } from '../../src/jobs/first-claim';
import type { Job } from '../../src/jobs/job';
import { messageFor } from '../../src/jobs/job-rounds';
import { HISTORY_LIMIT, transition } from '../../src/jobs/job-state-machine';
import type { JobsRepository } from '../../src/jobs/ports/jobs-repository';
import { aJob } from '../support/jobs';

/** What every JobsRepository adapter must do: the contract the use cases rely on. */
export function describeJobsRepositoryConformance(name: string, makeAdapter: () => Promise<JobsRepository>): void {
  describe(`${name}: JobsRepository conformance`, () => {
    let repository: JobsRepository;

    beforeAll(async () => {
      repository = await makeAdapter();
    });

    test('a created job reads back whole', async () => {
      const job = aJob('sms');
      await repository.create(job);
      expect(await repository.get(job.id)).toEqual(job);
    });

    test('a follow mark changes nothing a reader sees, survives saves, and is reported by them until it ends', async () => {
      const job = aJob('email');
      await repository.create(job);
      const unmarked = transition(job, 'processing', new Date(), { attempts: 1 });
      expect(await repository.saveObserved(job, unmarked)).toEqual({ job: unmarked, followed: false });
      const now = Math.floor(Date.now() / 1000);
      await repository.follow(job.id, now + 120);
      // A shorter mark never shortens a longer one.
      await repository.follow(job.id, now - 10);
      expect(await repository.get(job.id)).toEqual(unmarked);
      const completed = transition(unmarked, 'completed', new Date(), { result: { ok: true } });
      // Saved from a read taken before the mark: the mark stays.
      expect(await repository.saveObserved(unmarked, completed)).toEqual({ job: completed, followed: true });
      expect(await repository.get(job.id)).toEqual(completed);

      const expired = aJob('sms');
      await repository.create(expired);
      await repository.follow(expired.id, now - 10);
      const claimed = transition(expired, 'processing', new Date(), { attempts: 1 });
      expect((await repository.saveObserved(expired, claimed)).followed).toBe(false);
    });

    describe('claiming a first attempt without a read', () => {
      const claimOf = (job: Job, now = new Date()) => firstClaimOf(messageFor(job), now, 60);
      const conflictOf = async (promise: Promise<unknown>) => {
        const error = await promise.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(JobConflictError);
        return (error as JobConflictError).current;
      };

      test('a queued job is claimed exactly as the transition to processing would have it', async () => {
        const job = aJob('email');
        await repository.create(job);
        const claim = claimOf(job);
        const expected = applyFirstClaim(job, claim);
        expect(await repository.claimFirstAttempt(claim)).toEqual({ job: expected, followed: false });
        expect(await repository.get(job.id)).toEqual(expected);
        // The claimed job saves on like any other.
        const completed = transition(expected, 'completed', new Date(), { result: { ok: true } });
        await repository.save(expected, completed);
        expect(await repository.get(job.id)).toEqual(completed);
      });

      test('a duplicate delivery finds the job claimed: refused with the job as stored', async () => {
        const job = aJob('sms');
        await repository.create(job);
        const { job: claimed } = await repository.claimFirstAttempt(claimOf(job));
        expect(await conflictOf(repository.claimFirstAttempt(claimOf(job)))).toEqual(claimed);
      });

      test('a delayed job is claimed once due, refused before', async () => {
        const now = new Date();
        const due = aJob('email', { status: 'delayed', runAt: new Date(now.getTime() - 1000).toISOString() });
        const early = aJob('email', { status: 'delayed', runAt: new Date(now.getTime() + 60_000).toISOString() });
        await repository.create(due);
        await repository.create(early);
        expect((await repository.claimFirstAttempt(claimOf(due, now))).job).toEqual(
          applyFirstClaim(due, claimOf(due, now)),
        );
        expect(await conflictOf(repository.claimFirstAttempt(claimOf(early, now)))).toEqual(early);
      });

      test('a retrying job, another round, a full history or an unknown id are refused, nothing written', async () => {
        const retrying = aJob('email', { status: 'retrying', attempts: 1 });
        const laterRound = aJob('email', { round: 2 });
        const fullHistory = aJob('email');
        fullHistory.history = Array.from({ length: HISTORY_LIMIT }, () => ({ ...fullHistory.history[0]! }));
        for (const job of [retrying, laterRound, fullHistory]) {
          await repository.create(job);
          const claim = job === laterRound ? { ...claimOf(job), round: 1 } : claimOf(job);
          expect(await conflictOf(repository.claimFirstAttempt(claim))).toEqual(job);
          expect(await repository.get(job.id)).toEqual(job);
        }
        expect(await conflictOf(repository.claimFirstAttempt(claimOf(aJob('email'))))).toBeUndefined();
      });

      test('the claim reports a follow mark', async () => {
        const job = aJob('email');
        await repository.create(job);
        await repository.follow(job.id, Math.floor(Date.now() / 1000) + 60);
        expect((await repository.claimFirstAttempt(claimOf(job))).followed).toBe(true);
      });
    });

    test('following an unknown id creates nothing', async () => {
      await repository.follow('never-created', Math.floor(Date.now() / 1000) + 60);
      expect(await repository.get('never-created')).toBeUndefined();
    });

    test('an unknown id reads as undefined', async () => {
      expect(await repository.get('no-such-job')).toBeUndefined();
    });

    test('creating an id that exists is refused and leaves the original untouched', async () => {
      const job = aJob();
      await repository.create(job);
      await expect(repository.create({ ...job, payload: { overwritten: true } })).rejects.toBeInstanceOf(
        JobAlreadyExistsError,
      );
      expect((await repository.get(job.id))?.payload).toEqual(job.payload);
    });

    test('a save from the current version writes the transition and drops cleared fields', async () => {
      const job = aJob();
      await repository.create(job);
      const claimed = transition(job, 'processing', new Date(), {
        attempts: 1,
        leaseUntil: new Date(Date.now() + 60_000).toISOString(),
      });
      await repository.save(job, claimed);
      const completed = transition(claimed, 'completed', new Date(), { result: { ok: true } });
      await repository.save(claimed, completed);
      const stored = await repository.get(job.id);
      expect(stored).toMatchObject({ status: 'completed', version: 3, attempts: 1, result: { ok: true } });
      expect(stored).not.toHaveProperty('leaseUntil');
      expect(stored?.history.map((h) => h.status)).toEqual(['queued', 'processing', 'completed']);
    });

    test('a save never rewrites what a job never changes (id, type, payload, createdAt)', async () => {
      const job = aJob('email');
      await repository.create(job);
      await repository.save(job, {
        ...transition(job, 'processing', new Date(), { attempts: 1 }),
        payload: { rewritten: true },
        createdAt: '2000-01-01T00:00:00.000Z',
      });
      expect(await repository.get(job.id)).toMatchObject({
        status: 'processing',
        payload: job.payload,
        createdAt: job.createdAt,
      });
    });

    test('two writers racing from the same version: exactly one wins, the loser sees the winner', async () => {
      const job = aJob();
      await repository.create(job);
      const results = await Promise.allSettled([
        repository.save(job, transition(job, 'processing', new Date(), { attempts: 1 })),
        repository.save(job, transition(job, 'cancelled', new Date())),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]?.reason).toBeInstanceOf(JobConflictError);
      const stored = await repository.get(job.id);
      expect(stored?.version).toBe(2);
      expect((lost[0]?.reason as JobConflictError).current).toEqual(stored);
    });

    test('a stale write is refused even when the status still matches', async () => {
      const job = aJob('cleanup', { status: 'delayed', runAt: new Date(Date.now() + 60_000).toISOString() });
      await repository.create(job);
      const redelayed = transition(job, 'delayed', new Date());
      await repository.save(job, redelayed);
      await expect(
        repository.save(job, transition(job, 'processing', new Date(), { attempts: 1 })),
      ).rejects.toBeInstanceOf(JobConflictError);
      expect((await repository.get(job.id))?.status).toBe('delayed');
    });

    test('a write expecting another status is refused even at the same version', async () => {
      const job = aJob();
      await repository.create(job);
      const pretended = { ...job, status: 'retrying' as const };
      await expect(repository.save(pretended, transition(pretended, 'processing', new Date()))).rejects.toBeInstanceOf(
        JobConflictError,
      );
      expect(await repository.get(job.id)).toEqual(job);
    });

    test('saving a job that does not exist is a conflict with no current job, and creates nothing', async () => {
      const job = aJob();
      const error = await repository.save(job, transition(job, 'processing', new Date())).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobConflictError);
      expect((error as JobConflictError).current).toBeUndefined();
      expect(await repository.get(job.id)).toBeUndefined();
    });

    test('a job read back is a copy: changing it changes nothing stored', async () => {
      const job = aJob();
      await repository.create(job);
      const read = await repository.get(job.id);
      if (!read) throw new Error('created job not found');
      read.status = 'failed';
      read.history.push({ status: 'failed', at: read.createdAt, attempt: 0 });
      job.payload.changed = true;
      expect(await repository.get(job.id)).toMatchObject({ status: 'queued', history: [{ status: 'queued' }] });
      expect((await repository.get(job.id))?.payload).not.toHaveProperty('changed');
    });
  });
}
