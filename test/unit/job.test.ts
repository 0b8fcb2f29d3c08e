import { isJobType, isTerminal, JOB_STATUSES, JOB_TYPES, TERMINAL_STATUSES } from '../../src/jobs/job';

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

describe('job types', () => {
  it('workers run email, sms and cleanup jobs', () => {
    expect([...JOB_TYPES]).toEqual(['email', 'sms', 'cleanup']);
    for (const type of JOB_TYPES) expect(isJobType(type)).toBe(true);
  });

  it.each(['external', 'fax', '', 'Email'])('%p is not a worker job type', (value) => {
    expect(isJobType(value)).toBe(false);
  });
});
