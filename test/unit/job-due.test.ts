import { cleanup as cleanupType } from '../../src/job-types/cleanup';
import { dueAt, recordRescue, rescueMarginSeconds, stallReason } from '../../src/jobs/job-due';
import { transition } from '../../src/jobs/job-state-machine';
import { email } from '../../src/job-types/email';
import { visibilityTimeoutSeconds } from '../../src/jobs/job-type-config';
import { aJob } from '../support/jobs';

const t0 = new Date('2030-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const config = email.config;
const margin = rescueMarginSeconds(config);

describe('dueAt', () => {
  const queued = aJob('email', { createdAt: t0.toISOString(), updatedAt: t0.toISOString() });

  it('is now for a queued job, runAt for a delayed one, nextAttemptAt when retrying, leaseUntil when processing', () => {
    expect(dueAt(queued)).toBe(t0.toISOString());
    expect(dueAt({ ...queued, status: 'delayed', runAt: at(600).toISOString() })).toBe(at(600).toISOString());
    const processing = transition(queued, 'processing', at(1), { attempts: 1, leaseUntil: at(181).toISOString() });
    expect(dueAt(processing)).toBe(at(181).toISOString());
    const retrying = transition(processing, 'retrying', at(2), { nextAttemptAt: at(30).toISOString() });
    expect(dueAt(retrying)).toBe(at(30).toISOString());
  });

  it('is absent once the job is final, and for external jobs', () => {
    const processing = transition(queued, 'processing', at(1), { attempts: 1, leaseUntil: at(181).toISOString() });
    expect(dueAt(transition(processing, 'completed', at(2)))).toBeUndefined();
    expect(dueAt(transition(queued, 'cancelled', at(2)))).toBeUndefined();
    expect(dueAt(transition(queued, 'failed', at(2)))).toBeUndefined();
    expect(dueAt({ ...queued, type: 'external', status: 'pending' })).toBeUndefined();
  });

  it('moves to the rescue, so a rescued job is not rescued again before another margin', () => {
    const delayed = { ...queued, status: 'delayed' as const, runAt: at(10).toISOString() };
    const rescued = recordRescue(delayed, at(500), 'lost');
    expect(dueAt(rescued)).toBe(at(500).toISOString());
    expect(stallReason(rescued, config, at(500 + margin))).toBeUndefined();
    expect(stallReason(rescued, config, at(501 + margin))).toBeDefined();
  });
});

describe('stallReason', () => {
  const queued = aJob('email', { createdAt: t0.toISOString(), updatedAt: t0.toISOString() });

  it('allows one visibility timeout plus slack before a job counts as stalled', () => {
    expect(margin).toBeGreaterThan(visibilityTimeoutSeconds(config));
    expect(stallReason(queued, config, at(margin))).toBeUndefined();
    expect(stallReason(queued, config, at(margin + 1))).toBe(
      `queued ${margin + 1} s past due with no progress; message re-sent`,
    );
  });

  it('takes the margin from the type: cleanup runs longer, so it waits longer', () => {
    const cleanup = aJob('cleanup', { createdAt: t0.toISOString(), updatedAt: t0.toISOString() });
    const cleanupMargin = rescueMarginSeconds(cleanupType.config);
    expect(cleanupMargin).toBeGreaterThan(margin);
    expect(stallReason(cleanup, cleanupType.config, at(margin + 1))).toBeUndefined();
    expect(stallReason(cleanup, cleanupType.config, at(cleanupMargin + 1))).toBeDefined();
  });

  it('never calls a delayed job stalled before it is due', () => {
    const delayed = { ...queued, status: 'delayed' as const, runAt: at(3 * 24 * 3600).toISOString() };
    expect(stallReason(delayed, config, at(2 * 24 * 3600))).toBeUndefined();
  });
});

describe('recordRescue', () => {
  it('keeps the status, bumps the version and adds a history entry saying why', () => {
    const queued = aJob('email');
    const rescued = recordRescue(queued, at(9), 'queued 300 s past due');
    expect(rescued).toMatchObject({ status: 'queued', version: queued.version + 1, updatedAt: at(9).toISOString() });
    expect(rescued.history.at(-1)).toEqual({
      status: 'queued',
      at: at(9).toISOString(),
      attempt: 0,
      rescue: 'queued 300 s past due',
    });
    expect(queued.history).toHaveLength(1);
  });
});
