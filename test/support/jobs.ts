import { randomUUID } from 'node:crypto';
import type { Job, JobType } from '../../src/jobs/job';
import { newJob } from '../../src/jobs/new-job';

const payloads: Record<JobType, Record<string, unknown>> = {
  email: { to: 'success@simulator.amazonses.com', subject: 'Hi', body: 'Hello' },
  sms: { phone: '+14155550123', message: 'Hello' },
  cleanup: { task: 'delete_temp' },
};

export function aJob(type: JobType = 'email', overrides: Partial<Job> = {}): Job {
  return {
    ...newJob({ id: randomUUID(), type, payload: payloads[type], maxAttempts: 3, now: new Date() }),
    ...overrides,
  };
}

export const silentLog = { info: () => {}, warn: () => {}, error: () => {} };
