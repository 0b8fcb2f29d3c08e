import { IllegalTransitionError } from '../../src/jobs/errors/illegal-transition-error';
import { JOB_STATUSES, type HistoryEntry, type Job, type JobStatus } from '../../src/jobs/job';
import {
  assertTransition,
  canTransition,
  FINISHED_JOB_RETENTION_SECONDS,
  HISTORY_LIMIT,
  transition,
} from '../../src/jobs/job-state-machine';

const CREATED = new Date('2030-01-01T00:00:00.000Z');
const NOW = new Date('2030-01-01T00:05:00.000Z');
const NOW_EPOCH_SECONDS = Math.floor(NOW.getTime() / 1000);

function aJob(overrides: Partial<Job> = {}): Job {
  return {
    id: 'job-1',
    type: 'email',
    status: 'queued',
    version: 3,
    attempts: 0,
    maxAttempts: 5,
    payload: { to: 'a@example.com', subject: 'Hi', body: 'Hello' },
    createdAt: CREATED.toISOString(),
    updatedAt: CREATED.toISOString(),
    history: [{ status: 'queued', at: CREATED.toISOString(), attempt: 0 }],
    ...overrides,
  };
}

const ALLOWED_TRANSITIONS: ReadonlyArray<[JobStatus, JobStatus]> = [
  ['queued', 'processing'],
  ['queued', 'cancelled'],
  ['queued', 'failed'],
  ['delayed', 'delayed'],
  ['delayed', 'processing'],
  ['delayed', 'cancelled'],
  ['delayed', 'failed'],
  ['processing', 'processing'],
  ['processing', 'completed'],
  ['processing', 'retrying'],
  ['processing', 'failed'],
  ['retrying', 'processing'],
  ['retrying', 'cancelled'],
  ['retrying', 'failed'],
  ['failed', 'queued'],
];

const EXTERNAL_ALLOWED_TRANSITIONS: ReadonlyArray<[JobStatus, JobStatus]> = [
  ['pending', 'pending'],
  ['pending', 'processing'],
  ['pending', 'done'],
  ['pending', 'failed'],
  ['processing', 'pending'],
  ['processing', 'processing'],
  ['processing', 'done'],
  ['processing', 'failed'],
];

const ILLEGAL_TRANSITIONS: ReadonlyArray<[JobStatus, JobStatus]> = [
  ['completed', 'processing'],
  ['completed', 'queued'],
  ['cancelled', 'queued'],
  ['cancelled', 'processing'],
  ['done', 'pending'],
  ['failed', 'processing'],
  ['failed', 'completed'],
  ['queued', 'completed'],
  ['queued', 'queued'],
  ['queued', 'retrying'],
  ['delayed', 'completed'],
  ['processing', 'cancelled'],
  ['processing', 'queued'],
  ['retrying', 'completed'],
  ['retrying', 'retrying'],
  ['pending', 'completed'],
  ['queued', 'done'],
];

describe('allowed transitions', () => {
  it.each(ALLOWED_TRANSITIONS)('a %s job may move to %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
    expect(transition(aJob({ status: from }), to, NOW).status).toBe(to);
  });

  it('allows nothing beyond the listed transitions', () => {
    const allowed = new Set(ALLOWED_TRANSITIONS.map(([from, to]) => `${from}->${to}`));
    for (const from of JOB_STATUSES) {
      for (const to of JOB_STATUSES) {
        expect({ transition: `${from}->${to}`, allowed: canTransition(from, to) }).toEqual({
          transition: `${from}->${to}`,
          allowed: allowed.has(`${from}->${to}`),
        });
      }
    }
  });

  it.each(['completed', 'cancelled', 'done'] as const)('a %s job can never move again', (from) => {
    for (const to of JOB_STATUSES) expect(canTransition(from, to)).toBe(false);
  });
});

describe('illegal transitions', () => {
  it.each(ILLEGAL_TRANSITIONS)('a %s job may not move to %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    let thrown: unknown;
    try {
      transition(aJob({ status: from }), to, NOW);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(IllegalTransitionError);
    expect(thrown).toMatchObject({ name: 'IllegalTransitionError', from, to });
    expect((thrown as Error).message).toContain(from);
    expect((thrown as Error).message).toContain(to);
  });

  it('assertTransition reports the rejected from and to', () => {
    expect(() => assertTransition('completed', 'processing')).toThrow(
      expect.objectContaining({ from: 'completed', to: 'processing' }),
    );
  });

  it('a rejected transition leaves the job untouched', () => {
    const job = aJob({ status: 'completed', expiresAt: 123 });
    const before = structuredClone(job);
    expect(() => transition(job, 'processing', NOW)).toThrow(IllegalTransitionError);
    expect(job).toEqual(before);
  });
});

describe('a transition', () => {
  it('increments the version by one', () => {
    expect(transition(aJob({ version: 7 }), 'processing', NOW).version).toBe(8);
  });

  it('stamps updatedAt with the transition time and keeps createdAt', () => {
    const next = transition(aJob(), 'processing', NOW);
    expect(next.updatedAt).toBe(NOW.toISOString());
    expect(next.createdAt).toBe(CREATED.toISOString());
  });

  it('appends one history entry with the new status, time and attempt', () => {
    const job = aJob();
    const next = transition(job, 'processing', NOW, { attempts: 1 });
    expect(next.history).toEqual([...job.history, { status: 'processing', at: NOW.toISOString(), attempt: 1 }]);
  });

  it('records the error message in the history entry when the transition carries an error', () => {
    const next = transition(aJob({ status: 'processing', attempts: 2 }), 'retrying', NOW, {
      error: { kind: 'transient', message: 'SES throttled' },
    });
    expect(next.history.at(-1)).toEqual({
      status: 'retrying',
      at: NOW.toISOString(),
      attempt: 2,
      error: 'SES throttled',
    });
    expect(next.error).toEqual({ kind: 'transient', message: 'SES throttled' });
  });

  it('does not mutate the job it was given', () => {
    const job = aJob({ status: 'processing', leaseUntil: NOW.toISOString() });
    const before = structuredClone(job);
    transition(job, 'completed', NOW, { result: { ok: true } });
    expect(job).toEqual(before);
  });

  it('applies the given changes', () => {
    const next = transition(aJob(), 'processing', NOW, { attempts: 1, leaseUntil: '2030-01-01T00:10:00.000Z' });
    expect(next.attempts).toBe(1);
    expect(next.leaseUntil).toBe('2030-01-01T00:10:00.000Z');
  });

  it('removes a field whose change is explicitly undefined', () => {
    const next = transition(aJob({ status: 'failed', deadLettered: true }), 'queued', NOW, {
      deadLettered: undefined,
    });
    expect(next).not.toHaveProperty('deadLettered');
  });
});

describe('history bound', () => {
  function historyOf(length: number): HistoryEntry[] {
    return Array.from({ length }, (_, i) => ({ status: 'delayed', at: `entry-${i}`, attempt: 0 }));
  }

  it(`keeps at most ${HISTORY_LIMIT} entries`, () => {
    expect(HISTORY_LIMIT).toBe(50);
    const next = transition(aJob({ status: 'delayed', history: historyOf(50) }), 'delayed', NOW);
    expect(next.history).toHaveLength(50);
  });

  it('drops the oldest entry first when full', () => {
    const next = transition(aJob({ status: 'delayed', history: historyOf(50) }), 'processing', NOW);
    expect(next.history[0]?.at).toBe('entry-1');
    expect(next.history.at(-2)?.at).toBe('entry-49');
    expect(next.history.at(-1)).toMatchObject({ status: 'processing', at: NOW.toISOString() });
  });

  it('keeps every entry while below the bound', () => {
    const next = transition(aJob({ status: 'delayed', history: historyOf(48) }), 'delayed', NOW);
    expect(next.history).toHaveLength(49);
    expect(next.history[0]?.at).toBe('entry-0');
  });
});

describe('stage fields', () => {
  it('a transition clears the lease of the previous stage', () => {
    const job = aJob({ status: 'processing', attempts: 1, leaseUntil: '2030-01-01T00:10:00.000Z' });
    expect(transition(job, 'completed', NOW, { result: {} })).not.toHaveProperty('leaseUntil');
    expect(transition(job, 'retrying', NOW, { nextAttemptAt: '2030-01-01T00:06:00.000Z' })).not.toHaveProperty(
      'leaseUntil',
    );
  });

  it('a transition clears nextAttemptAt of the previous stage', () => {
    const job = aJob({ status: 'retrying', attempts: 1, nextAttemptAt: '2030-01-01T00:06:00.000Z' });
    const next = transition(job, 'processing', NOW, { attempts: 2 });
    expect(next).not.toHaveProperty('nextAttemptAt');
  });

  it('a reclaim may set a fresh lease', () => {
    const job = aJob({ status: 'processing', attempts: 1, leaseUntil: '2030-01-01T00:01:00.000Z' });
    const next = transition(job, 'processing', NOW, { attempts: 2, leaseUntil: '2030-01-01T00:08:00.000Z' });
    expect(next.leaseUntil).toBe('2030-01-01T00:08:00.000Z');
  });
});

describe('expiry of finished jobs', () => {
  it.each([
    ['processing', 'completed'],
    ['processing', 'failed'],
    ['queued', 'cancelled'],
    ['pending', 'done'],
    ['pending', 'failed'],
  ] as const)('a job moving %s → %s expires after the retention period', (from, to) => {
    const next = transition(aJob({ status: from, type: from === 'pending' ? 'external' : 'email' }), to, NOW);
    expect(FINISHED_JOB_RETENTION_SECONDS).toBe(30 * 24 * 60 * 60);
    expect(next.expiresAt).toBe(NOW_EPOCH_SECONDS + FINISHED_JOB_RETENTION_SECONDS);
  });

  it('an explicit expiresAt on a terminal transition is kept', () => {
    expect(transition(aJob({ status: 'processing' }), 'completed', NOW, { expiresAt: 42 }).expiresAt).toBe(42);
  });

  it('a redriven failed job no longer expires', () => {
    const job = aJob({ status: 'failed', expiresAt: NOW_EPOCH_SECONDS + 100 });
    expect(transition(job, 'queued', NOW)).not.toHaveProperty('expiresAt');
  });

  it.each(['processing', 'retrying'] as const)('a job moving to %s has no expiry even if asked for one', (to) => {
    const next = transition(aJob({ status: 'processing' }), to, NOW, { expiresAt: 42 });
    expect(next).not.toHaveProperty('expiresAt');
  });
});

describe('external jobs', () => {
  it('follow their own machine and nothing beyond it', () => {
    const allowed = new Set(EXTERNAL_ALLOWED_TRANSITIONS.map(([from, to]) => `${from}->${to}`));
    for (const from of JOB_STATUSES) {
      for (const to of JOB_STATUSES) {
        expect({ transition: `${from}->${to}`, allowed: canTransition(from, to, 'external') }).toEqual({
          transition: `${from}->${to}`,
          allowed: allowed.has(`${from}->${to}`),
        });
      }
    }
  });

  it('a worker transition is refused for an external job, and the other way round', () => {
    expect(() => transition(aJob({ type: 'external', status: 'pending' }), 'cancelled', NOW)).toThrow(
      IllegalTransitionError,
    );
    expect(() => transition(aJob({ status: 'processing' }), 'done', NOW)).toThrow(IllegalTransitionError);
  });

  // An external system may report `pending → processing`; it must then be able to finish `done`.
  it('an external job reported as processing can still finish done', () => {
    const job = aJob({ type: 'external', status: 'pending' });
    const processing = transition(job, 'processing', NOW);
    expect(() => transition(processing, 'done', NOW)).not.toThrow();
  });
});
