import type { Job } from '../../src/jobs/job';
import { summarizeJob } from '../../src/jobs/job-summary';

const failed: Job = {
  id: 'job-1',
  type: 'email',
  status: 'failed',
  version: 5,
  round: 2,
  attempts: 5,
  maxAttempts: 5,
  payload: { to: 'ravi@example.com', subject: 'Your code', body: 'code 1234' },
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:05:00.000Z',
  result: { deliveredTo: 'ravi@example.com' },
  error: { kind: 'permanent', message: 'Hard bounce from ravi@example.com' },
  deadLettered: true,
  history: [{ status: 'failed', at: '2030-01-01T00:05:00.000Z', attempt: 5, error: 'ravi@example.com' }],
  expiresAt: 1_900_000_000,
};

describe('summarizeJob: a job as listings show it', () => {
  it('keeps what a table is scanned by: id, type, status, attempts, timestamps, error kind', () => {
    expect(summarizeJob(failed)).toEqual({
      id: 'job-1',
      type: 'email',
      status: 'failed',
      version: 5,
      round: 2,
      attempts: 5,
      maxAttempts: 5,
      createdAt: '2030-01-01T00:00:00.000Z',
      updatedAt: '2030-01-01T00:05:00.000Z',
      deadLettered: true,
      error: { kind: 'permanent' },
    });
  });

  it('carries no payload, result, error message or history, so no recipient and no content', () => {
    const listed = JSON.stringify(summarizeJob(failed));
    for (const leaked of ['ravi', 'Your code', '1234', 'payload', 'result', 'history', 'message']) {
      expect(listed).not.toContain(leaked);
    }
  });

  it('a field added to jobs later stays out until listed on purpose', () => {
    const withExtra = { ...failed, owner: 'ravi@example.com' } as Job;
    expect(summarizeJob(withExtra)).not.toHaveProperty('owner');
  });

  it('leaves out what a job does not have', () => {
    const { error: _error, deadLettered: _deadLettered, ...queued } = failed;
    expect(Object.keys(summarizeJob({ ...queued, status: 'queued' }))).not.toEqual(
      expect.arrayContaining(['error', 'deadLettered']),
    );
  });
});
