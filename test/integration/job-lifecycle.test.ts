import { messageFor } from '../../src/jobs/job-rounds';
import { randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { IllegalTransitionError } from '../../src/jobs/errors/illegal-transition-error';
import type { Job, JobType } from '../../src/jobs/job';
import { cancelJob } from '../../src/jobs/use-cases/cancel-job';
import { handleJobMessage, type MessageOutcome } from '../../src/jobs/use-cases/handle-job-message';
import { aJob, silentLog } from '../support/jobs';
import { lifecycleHarness, statusesIn } from '../support/lifecycle';

type Harness = Awaited<ReturnType<typeof lifecycleHarness>>;
let h: Harness;

beforeAll(async () => {
  h = await lifecycleHarness();
});

async function stored(type: JobType, overrides: Partial<Job> = {}): Promise<Job> {
  const base = aJob(type, overrides);
  // A unique marker in each payload lets the harness count processor runs per job; processors ignore it.
  const job = { ...base, payload: { ...base.payload, ...overrides.payload, runMarker: randomUUID() } };
  await h.repository.create(job);
  return job;
}

const deliver = (job: Job): Promise<MessageOutcome> => handleJobMessage(h.deps, messageFor(job));

describe('leases: a worker that dies or times out', () => {
  test('an invocation that exceeds its timeout → the job completes exactly once after the lease expires', async () => {
    const job = await stored('email');
    let releaseHungWorker: () => void = () => {};
    let calls = 0;
    h.overrides.email = async (payload, context, real) => {
      calls++;
      if (calls === 1) await new Promise<void>((resolve) => (releaseHungWorker = resolve));
      return real(payload, context);
    };
    try {
      const hung = deliver(job);
      // Until its processor runs: the claim is stored before the claiming worker has its answer,
      // so a read that already sees `processing` does not yet mean the first run has started.
      while (calls === 0) await new Promise((r) => setTimeout(r, 5));
      expect((await h.repository.get(job.id))?.status).toBe('processing');

      // Redelivered while the first worker still holds the lease: not run in parallel. It looks
      // again once that worker's run must be over (the email function's 30 s timeout + 2 s), not at
      // the lease's end: a duplicate shares the holder's message, and so its visibility.
      const duplicate = await deliver(job);
      expect(duplicate).toMatchObject({ kind: 'retry-later', visibilitySeconds: 32 });
      expect(calls).toBe(1);

      // Still held after that: the holder died, so the lease's end is the next look.
      h.clock.advanceBy(33_000);
      expect(await deliver(job)).toMatchObject({ kind: 'retry-later', visibilitySeconds: 27 });
      expect(calls).toBe(1);

      // The hung worker's lease runs out (Lambda killed it); the next delivery reclaims the job.
      const claimed = await h.repository.get(job.id);
      h.clock.advanceTo(claimed?.leaseUntil ?? '');
      h.clock.advanceBy(1);
      expect(await deliver(job)).toEqual({ kind: 'acknowledge', reason: 'completed' });

      // The zombie finishes late; its write must not count.
      releaseHungWorker();
      expect(await hung).toEqual({ kind: 'acknowledge', reason: 'lease lost' });
      const final = await h.repository.get(job.id);
      expect(final).toMatchObject({ status: 'completed', attempts: 2 });
      expect(statusesIn(final).filter((s) => s === 'completed')).toHaveLength(1);
      expect(statusesIn(final)).toEqual(['queued', 'processing', 'processing', 'completed']);
    } finally {
      h.overrides.email = undefined;
    }
  });

  test('the same message delivered 5 times concurrently → one processing run, one completed transition', async () => {
    const job = await stored('sms');
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => deliver(job)));
    expect(h.runsOf(job)).toBe(1);
    const final = await h.repository.get(job.id);
    expect(statusesIn(final)).toEqual(['queued', 'processing', 'completed']);
    expect(outcomes.filter((o) => o.kind === 'acknowledge' && o.reason === 'completed')).toHaveLength(1);
  });

  test('a job whose last attempt never finished ends failed when its lease expires', async () => {
    const job = await stored('email', { maxAttempts: 1 });
    const leased = {
      ...job,
      status: 'processing' as const,
      attempts: 1,
      version: 2,
      leaseUntil: new Date(h.clock.now().getTime() - 1).toISOString(),
    };
    await h.repository.save(job, leased);
    expect(await deliver(job)).toMatchObject({ kind: 'acknowledge' });
    expect(await h.repository.get(job.id)).toMatchObject({ status: 'failed', error: { kind: 'timeout' }, attempts: 1 });
  });
});

describe('retries with backoff', () => {
  test('fail-2 → retrying twice with growing gaps in its history, then completed with attempts 3', async () => {
    const job = await stored('email', { maxAttempts: 5, payload: { to: 'fail-2@example.com' } });
    const visibilities: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const outcome = await deliver(job);
      if (outcome.kind === 'retry-later') {
        visibilities.push(outcome.visibilitySeconds);
        // SQS hands the message back only after the visibility we set.
        const current = await h.repository.get(job.id);
        expect(current?.status).toBe('retrying');
        expect(await deliver(job)).toMatchObject({ kind: 'retry-later', reason: 'backing off' });
        h.clock.advanceTo(current?.nextAttemptAt ?? '');
      }
    }
    const final = await h.repository.get(job.id);
    expect(final).toMatchObject({ status: 'completed', attempts: 3 });
    expect(statusesIn(final)).toEqual([
      'queued',
      'processing',
      'retrying',
      'processing',
      'retrying',
      'processing',
      'completed',
    ]);
    const at = (status: string, nth: number) =>
      new Date(final?.history.filter((e) => e.status === status)[nth]?.at ?? 0).getTime();
    const firstGap = at('processing', 1) - at('retrying', 0);
    const secondGap = at('processing', 2) - at('retrying', 1);
    expect(firstGap).toBeGreaterThan(0);
    expect(secondGap).toBeGreaterThan(firstGap);
    expect(visibilities).toHaveLength(2);
    expect(visibilities[1]).toBeGreaterThan(visibilities[0] ?? Infinity);
  });

  test('fail-always → failed with attempts == maxAttempts and the last error', async () => {
    const job = await stored('email', { maxAttempts: 3, payload: { to: 'fail-always@example.com' } });
    for (let attempt = 1; attempt <= 3; attempt++) {
      const outcome = await deliver(job);
      if (attempt < 3) {
        expect(outcome.kind).toBe('retry-later');
        h.clock.advanceTo((await h.repository.get(job.id))?.nextAttemptAt ?? '');
      } else {
        expect(outcome).toEqual({ kind: 'acknowledge', reason: 'attempts exhausted' });
      }
    }
    expect(await h.repository.get(job.id)).toMatchObject({
      status: 'failed',
      attempts: 3,
      error: { kind: 'transient', message: 'Simulated mail server outage' },
    });
  });

  test('bounce → failed after 1 attempt, with no retry', async () => {
    const job = await stored('email', { maxAttempts: 5, payload: { to: 'bounce@simulator.amazonses.com' } });
    expect(await deliver(job)).toEqual({ kind: 'acknowledge', reason: 'failed permanently' });
    const final = await h.repository.get(job.id);
    expect(final).toMatchObject({ status: 'failed', attempts: 1, error: { kind: 'permanent' } });
    expect(statusesIn(final)).toEqual(['queued', 'processing', 'failed']);
  });
});

describe('delays', () => {
  test('a job delayed beyond 900 s is re-delayed until due and never runs early', async () => {
    const runAt = new Date(h.clock.now().getTime() + 3_600_000).toISOString();
    const job = await stored('cleanup', { status: 'delayed', runAt });
    const before = await h.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: h.queueUrl, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }),
    );
    expect(await deliver(job)).toEqual({ kind: 'acknowledge', reason: 're-delayed' });
    const after = await h.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: h.queueUrl, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }),
    );
    expect(Number(after.Attributes?.ApproximateNumberOfMessagesDelayed)).toBe(
      Number(before.Attributes?.ApproximateNumberOfMessagesDelayed) + 1,
    );
    // 15 min, 30 min, 45 min, 1 s before: still not due.
    for (const ms of [900_000, 900_000, 900_000, 899_000]) {
      h.clock.advanceBy(ms);
      expect(await deliver(job)).toEqual({ kind: 'acknowledge', reason: 're-delayed' });
    }
    expect(h.runsOf(job)).toBe(0);
    expect(await h.repository.get(job.id)).toMatchObject({ status: 'delayed', runAt });
    h.clock.advanceTo(runAt);
    expect(await deliver(job)).toEqual({ kind: 'acknowledge', reason: 'completed' });
    expect(h.runsOf(job)).toBe(1);
  });

  test('re-delays are sent with the remaining delay, capped at 900 s', async () => {
    const runAt = new Date(h.clock.now().getTime() + 1_000_000).toISOString();
    const job = await stored('cleanup', { status: 'delayed', runAt });
    // Drain what earlier tests left, then look at what this re-delay sends.
    while (
      (await h.sqs.send(new ReceiveMessageCommand({ QueueUrl: h.queueUrl, MaxNumberOfMessages: 10 }))).Messages?.length
    );
    await deliver(job);
    h.clock.advanceBy(900_000);
    await deliver(job);
    const delayed = await h.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: h.queueUrl, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }),
    );
    expect(Number(delayed.Attributes?.ApproximateNumberOfMessagesDelayed)).toBeGreaterThanOrEqual(2);
    expect(h.runsOf(job)).toBe(0);
  });
});

describe('cancel', () => {
  test('cancel racing a claim: exactly one wins, and a cancelled job never runs', async () => {
    let cancelWins = 0;
    let claimWins = 0;
    for (let round = 0; round < 10; round++) {
      const job = await stored('sms');
      const [cancel, claim] = await Promise.allSettled([
        cancelJob({ repository: h.repository, log: silentLog, clock: h.clock.now }, job.id),
        deliver(job),
      ]);
      const final = await h.repository.get(job.id);
      if (cancel.status === 'fulfilled') {
        cancelWins++;
        expect(final?.status).toBe('cancelled');
        expect(h.runsOf(job)).toBe(0);
        expect(claim).toMatchObject({ status: 'fulfilled', value: { kind: 'acknowledge' } });
      } else {
        claimWins++;
        expect(cancel.reason).toBeInstanceOf(IllegalTransitionError);
        expect(final?.status).toBe('completed');
        expect(h.runsOf(job)).toBe(1);
      }
      expect(statusesIn(final).includes('cancelled') && statusesIn(final).includes('processing')).toBe(false);
    }
    expect(cancelWins + claimWins).toBe(10);
  });

  test("a cancelled job's message is acknowledged without running it", async () => {
    const job = await stored('email');
    await cancelJob({ repository: h.repository, log: silentLog, clock: h.clock.now }, job.id);
    expect(await deliver(job)).toEqual({ kind: 'acknowledge', reason: 'job already cancelled' });
    expect(h.runsOf(job)).toBe(0);
  });

  test('a running or finished job cannot be cancelled', async () => {
    const job = await stored('email');
    await deliver(job);
    await expect(
      cancelJob({ repository: h.repository, log: silentLog, clock: h.clock.now }, job.id),
    ).rejects.toBeInstanceOf(IllegalTransitionError);
  });
});
