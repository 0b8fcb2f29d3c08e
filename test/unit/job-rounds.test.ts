import { IllegalTransitionError } from '../../src/jobs/errors/illegal-transition-error';
import { JOB_STATUSES, type Job } from '../../src/jobs/job';
import { FIRST_ROUND, isFromEarlierRound, messageFor, roundOf, startNextRound } from '../../src/jobs/job-rounds';
import { transition } from '../../src/jobs/job-state-machine';
import { InMemoryDeadLetterQueue } from '../../src/jobs/in-memory/in-memory-dead-letter-queue';
import { InMemoryJobQueue } from '../../src/jobs/in-memory/in-memory-job-queue';
import { InMemoryJobsRepository } from '../../src/jobs/in-memory/in-memory-jobs-repository';
import { newJob } from '../../src/jobs/new-job';
import { subjectOfDeadLetter } from '../../src/jobs/use-cases/dead-letters';
import { handleJobMessage, parseJobMessage } from '../../src/jobs/use-cases/handle-job-message';
import { recordDeadLetters } from '../../src/jobs/use-cases/record-dead-letters';
import { redriveDeadLetters } from '../../src/jobs/use-cases/redrive-dead-letters';
import { retryJob } from '../../src/jobs/use-cases/retry-job';
import { simulatedMessageSenders } from '../../src/jobs/providers/simulated-message-senders';
import { builtInJobTypes, silentLog } from '../support/jobs';

const NOW = new Date('2030-01-01T00:00:00.000Z');
const clock = () => NOW;

const submitted = (): Job =>
  newJob({ id: `job-${Math.random()}`, type: 'cleanup', payload: { task: 'delete_temp' }, maxAttempts: 3, now: NOW });

/** A job that ran out of attempts and was dead-lettered in round `round`. */
function deadLettered(round = FIRST_ROUND): Job {
  const processing = transition({ ...submitted(), round }, 'processing', NOW, { attempts: 3 });
  return transition(processing, 'failed', NOW, {
    deadLettered: true,
    error: { kind: 'dead-lettered', message: 'The message reached the dead-letter queue' },
    result: { partial: true },
  });
}

describe('job rounds: the rule', () => {
  test('a submitted job is in round 1, and a job stored before rounds existed counts as round 1', () => {
    expect(submitted().round).toBe(1);
    const legacy: Job = { ...submitted(), round: undefined };
    expect(roundOf(legacy)).toBe(1);
  });

  test("every message carries the job's round", () => {
    const job = { ...submitted(), round: 4 };
    expect(messageFor(job)).toEqual({ jobId: job.id, type: 'cleanup', round: 4 });
  });

  test('a message or letter of an earlier round is recognised; the current one is not', () => {
    const job = { ...submitted(), round: 3 };
    expect(isFromEarlierRound(job, 2)).toBe(true);
    expect(isFromEarlierRound(job, 1)).toBe(true);
    expect(isFromEarlierRound(job, 3)).toBe(false);
  });

  test("the next round is queued with fresh attempts, the type's maxAttempts, and the old run's traces dropped", () => {
    const failed = deadLettered(2);
    const next = startNextRound(failed, NOW, 7);
    expect(next).toMatchObject({
      status: 'queued',
      round: 3,
      attempts: 0,
      maxAttempts: 7,
      version: failed.version + 1,
    });
    for (const field of ['error', 'result', 'deadLettered', 'runAt']) expect(next).not.toHaveProperty(field);
    expect(next.history.at(-1)).toMatchObject({ status: 'queued', attempt: 0 });
  });

  test.each(JOB_STATUSES.filter((status) => status !== 'failed'))('a %s job cannot start a new round', (status) => {
    expect(() => startNextRound({ ...submitted(), status }, NOW, 3)).toThrow(IllegalTransitionError);
  });

  test('messages and dead letters without a round (sent before rounds existed) read as round 1', () => {
    expect(parseJobMessage('{"jobId":"j","type":"cleanup"}', ['cleanup'])).toEqual({
      jobId: 'j',
      type: 'cleanup',
      round: 1,
    });
    expect(parseJobMessage('{"jobId":"j","type":"cleanup","round":5}', ['cleanup']).round).toBe(5);
    expect(() => parseJobMessage('{"jobId":"j","type":"cleanup","round":0}', ['cleanup'])).toThrow(/round/);
    expect(subjectOfDeadLetter('{"jobId":"j","type":"cleanup"}')).toEqual({ jobId: 'j', round: 1 });
    expect(subjectOfDeadLetter('{"jobId":"j","round":2}')).toEqual({ jobId: 'j', round: 2 });
    expect(subjectOfDeadLetter('%%%')).toBeUndefined();
  });
});

describe('job rounds: retry, the recorder, the consumer and redrive', () => {
  function harness() {
    const repository = new InMemoryJobsRepository();
    const queue = new InMemoryJobQueue();
    const deadLetters = new InMemoryDeadLetterQueue();
    const jobTypes = builtInJobTypes();
    const deps = {
      repository,
      queue,
      jobTypes,
      senders: simulatedMessageSenders(),
      log: silentLog,
      clock,
      leaseSeconds: 60,
    };
    return { repository, queue, deadLetters, deps };
  }

  test("after a retry, the old round's dead letter is discarded by the recorder and the job runs to completed", async () => {
    const { repository, queue, deadLetters, deps } = harness();
    const failed = deadLettered();
    await repository.create(failed);
    deadLetters.add(JSON.stringify(messageFor(failed)));

    const retried = await retryJob(deps, failed.id);
    expect(retried.round).toBe(2);
    expect(await recordDeadLetters(deps, deadLetters)).toEqual({ seen: 1, recorded: 0, discarded: 1 });
    expect((await repository.get(failed.id))?.status).toBe('queued');
    expect(await deadLetters.receive(10, 0)).toEqual([]);

    const [message, ...others] = queue.receive('cleanup');
    expect(others).toEqual([]);
    expect(message).toEqual({ jobId: failed.id, type: 'cleanup', round: 2 });
    expect(await handleJobMessage(deps, message!)).toEqual({ kind: 'acknowledge', reason: 'completed' });
    expect(await repository.get(failed.id)).toMatchObject({ status: 'completed', round: 2, attempts: 1 });
  });

  test('a message of an earlier round is acknowledged without touching the job', async () => {
    const { repository, deps } = harness();
    const job = { ...submitted(), round: 2 };
    await repository.create(job);
    expect(await handleJobMessage(deps, { ...messageFor(job), round: 1 })).toEqual({
      kind: 'acknowledge',
      reason: 'message from an earlier round',
    });
    expect(await repository.get(job.id)).toEqual(job);
  });

  test("a letter of the job's current round still marks it failed", async () => {
    const { repository, deadLetters, deps } = harness();
    const job = { ...submitted(), round: 2 };
    await repository.create(job);
    deadLetters.add(JSON.stringify(messageFor(job)));
    expect(await recordDeadLetters(deps, deadLetters)).toEqual({ seen: 1, recorded: 1, discarded: 0 });
    expect(await repository.get(job.id)).toMatchObject({ status: 'failed', deadLettered: true, round: 2 });
  });

  test('redrive starts the next round and sends its message; a stale letter of a failed job is discarded', async () => {
    const { repository, queue, deadLetters, deps } = harness();
    const redriven = deadLettered(1);
    // Failed again in round 2 by other means: the round-1 letter must not send it round again.
    const failedLater = transition({ ...deadLettered(2), deadLettered: undefined }, 'queued', NOW, {});
    const failedAgain = transition(transition(failedLater, 'processing', NOW, { attempts: 1 }), 'failed', NOW, {
      error: { kind: 'permanent', message: 'no' },
    });
    await repository.create(redriven);
    await repository.create(failedAgain);
    deadLetters.add(JSON.stringify(messageFor(redriven)));
    deadLetters.add(JSON.stringify({ ...messageFor(failedAgain), round: 1 }));

    expect(await redriveDeadLetters(deps, 'cleanup', deadLetters)).toEqual({ moved: 1, discarded: 1, skipped: 0 });
    expect(await repository.get(redriven.id)).toMatchObject({ status: 'queued', round: 2, attempts: 0 });
    expect((await repository.get(failedAgain.id))?.status).toBe('failed');
    expect(queue.receive('cleanup')).toEqual([{ jobId: redriven.id, type: 'cleanup', round: 2 }]);
  });
});
