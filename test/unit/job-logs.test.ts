import { jobLog, jobMetrics } from '../../lambdas/commons/powertools';
import { InMemoryJobQueue } from '../../src/jobs/in-memory/in-memory-job-queue';
import { InMemoryJobsRepository } from '../../src/jobs/in-memory/in-memory-jobs-repository';
import type { Job } from '../../src/jobs/job';
import { messageFor } from '../../src/jobs/job-rounds';
import { SIMULATED_SMS_NUMBERS } from '../../src/jobs/providers/simulated-sms-sender';
import { handleJobMessage } from '../../src/jobs/use-cases/handle-job-message';
import { aJob, instrumentedJobTypes } from '../support/jobs';
import { simulatedMessageSenders } from '../../src/jobs/providers/simulated-message-senders';

/**
 * The lines the workers' Powertools logger writes while jobs fail, read from stdout and stderr as
 * CloudWatch would receive them: none may carry a recipient or a sensitive payload value.
 */
describe('log lines of failing jobs', () => {
  const written: string[] = [];
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write);

  beforeEach(() => {
    written.length = 0;
    for (const stream of streams) {
      stream.write = ((chunk: string | Uint8Array) => written.push(String(chunk)) > 0) as typeof stream.write;
    }
  });

  afterEach(() => streams.forEach((stream, index) => (stream.write = originals[index] as typeof stream.write)));

  async function runToFailure(job: Job, overrides: ReturnType<typeof instrumentedJobTypes>['overrides'] = {}) {
    const { registry, overrides: slots } = instrumentedJobTypes();
    Object.assign(slots, overrides);
    const repository = new InMemoryJobsRepository();
    await repository.create(job);
    const deps = {
      repository,
      queue: new InMemoryJobQueue(),
      jobTypes: registry,
      senders: simulatedMessageSenders(),
      log: jobLog,
      metrics: jobMetrics,
      clock: () => new Date(),
      leaseSeconds: 60,
    };
    await handleJobMessage(deps, messageFor(job));
    return repository.get(job.id);
  }

  test('a processor that logs its payload and fails quoting its recipient: every line is masked', async () => {
    const job = aJob('email', { payload: { to: 'ravi@example.com', subject: 'Code', body: 'launch code 4471' } });
    const failed = await runToFailure(job, {
      email: async (payload, context) => {
        context.log.info('Sending', { to: payload.to, body: payload.body });
        throw new context.PermanentJobError(`Rejected ${String(payload.to)}: ${String(payload.body)}`);
      },
    });
    expect(failed).toMatchObject({ status: 'failed', error: { message: 'Rejected r***@example.com: ***' } });
    const lines = written.join('');
    expect(lines).toContain('Job failed');
    expect(lines).toContain('r***@example.com');
    expect(lines).not.toContain('ravi@example.com');
    expect(lines).not.toContain('launch code');
  });

  test.each([
    ['unreachable (permanent)', SIMULATED_SMS_NUMBERS.unreachable, 3],
    ['always failing, attempts exhausted (transient)', SIMULATED_SMS_NUMBERS.alwaysFailing, 1],
  ])('an sms to a number that is %s: no line names the number or the message', async (_case, phone, maxAttempts) => {
    const failed = await runToFailure(aJob('sms', { maxAttempts, payload: { phone, message: 'your code 9921' } }));
    expect(failed?.status).toBe('failed');
    const lines = written.join('');
    expect(lines).toContain('Job failed');
    expect(lines).not.toContain(phone);
    expect(lines).not.toContain('9921');
    expect(JSON.stringify(failed?.error)).not.toContain(phone);
  });
});
