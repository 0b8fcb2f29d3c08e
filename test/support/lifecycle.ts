import { createDocumentClient, createSqsClient } from '../../src/aws/aws-clients';
import { DynamoDbJobsRepository } from '../../src/aws/dynamodb-jobs-repository';
import { SqsJobQueue } from '../../src/aws/sqs-job-queue';
import type { Job } from '../../src/jobs/job';
import type { HandleJobMessageDeps } from '../../src/jobs/use-cases/handle-job-message';
import { createJobsTable, createTestQueue } from './aws-resources';
import { instrumentedJobTypes, silentLog } from './jobs';
import { messageSenders } from '../../src/aws/message-providers';

/** A clock tests move by hand, so leases, backoffs and delays are exercised without waiting. */
export class ManualClock {
  constructor(private current = new Date('2030-01-01T00:00:00.000Z')) {}
  now = (): Date => new Date(this.current);
  advanceTo(iso: string): void {
    this.current = new Date(iso);
  }
  advanceBy(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** Real DynamoDB Local table and fauxqs queue; real simulated providers, counted per job id. */
export async function lifecycleHarness(leaseSeconds = 60) {
  const clock = new ManualClock();
  const repository = new DynamoDbJobsRepository(createDocumentClient(), await createJobsTable());
  const sqs = createSqsClient();
  const { queueUrl, queueArn } = await createTestQueue(sqs);
  const runs = new Map<string, number>();
  // DynamoDB returns map attributes in any order, so payloads are compared with sorted keys.
  const keyOf = (payload: Record<string, unknown>) => JSON.stringify(payload, Object.keys(payload).sort());
  const { registry, overrides } = instrumentedJobTypes((_type, payload) => {
    const key = keyOf(payload);
    runs.set(key, (runs.get(key) ?? 0) + 1);
  });
  const deps: HandleJobMessageDeps = {
    repository,
    queue: new SqsJobQueue(sqs, { email: queueUrl, sms: queueUrl, cleanup: queueUrl }),
    jobTypes: registry,
    senders: messageSenders(process.env),
    log: silentLog,
    clock: clock.now,
    leaseSeconds,
    random: () => 0.999,
  };
  return {
    clock,
    repository,
    sqs,
    queueUrl,
    queueArn,
    deps,
    /** A test's own processor per type, for as long as it is set. */
    overrides,
    /** How many times the processor ran for this job's payload. */
    runsOf: (job: Job) => runs.get(keyOf(job.payload)) ?? 0,
  };
}

export function statusesIn(job: Job | undefined): string[] {
  return (job?.history ?? []).map((entry) => entry.status);
}
