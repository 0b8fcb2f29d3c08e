import { isTerminal, JOB_STATUSES, TERMINAL_STATUSES } from '../../src/jobs/job';

describe('job statuses', () => {
  it.each(['completed', 'failed', 'cancelled', 'done'] as const)('%s is a finished status', (status) => {
    expect(isTerminal(status)).toBe(true);
  });

  it.each(['queued', 'delayed', 'processing', 'retrying', 'pending'] as const)('%s is not finished', (status) => {
    expect(isTerminal(status)).toBe(false);
  });

  it('every terminal status is a known status', () => {
    for (const status of TERMINAL_STATUSES) expect(JOB_STATUSES).toContain(status);
  });
});
