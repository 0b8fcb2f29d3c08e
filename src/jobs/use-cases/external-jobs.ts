import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { IllegalTransitionError } from '../errors/illegal-transition-error';
import { JobNotFoundError } from '../errors/job-not-found-error';
import { PreconditionFailedError } from '../errors/precondition-failed-error';
import { ValidationError } from '../errors/validation-error';
import { validationErrorOf } from '../errors/zod-validation-error';
import { EXTERNAL_JOB_TYPE, isTerminal, type Job } from '../job';
import { transition } from '../job-state-machine';
import { callerJobIdProblem } from '../job-ids';
import { newJob } from '../new-job';
import type { JobLog } from '../ports/job-log';
import type { JobsRepository } from '../ports/jobs-repository';
import { payloadStorageProblems } from '../storable-payload';
import { retryOnConflict } from '../retry-on-conflict';

export interface ExternalJobDeps {
  repository: JobsRepository;
  log: JobLog;
  clock: () => Date;
}

export const EXTERNAL_STATUSES = ['pending', 'processing', 'done', 'failed'] as const;
export type ExternalStatus = (typeof EXTERNAL_STATUSES)[number];

export const externalJobSchema = z.strictObject({
  id: z
    .string('must be a string')
    .check((ctx) => {
      const problem = callerJobIdProblem(ctx.value);
      if (problem) ctx.issues.push({ code: 'custom', message: problem.message, input: ctx.value });
    })
    .optional(),
  payload: z.record(z.string(), z.unknown(), 'must be a JSON object').optional(),
});

export const externalStatusReportSchema = z.strictObject({
  status: z.enum(EXTERNAL_STATUSES, { error: `must be one of ${EXTERNAL_STATUSES.join(', ')}` }),
});

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw validationErrorOf(result.error);
}

/** `POST /jobs`: a job whose progress an external system reports; it starts `pending`. */
export async function createExternalJob(deps: ExternalJobDeps, body: unknown): Promise<Job> {
  const input = parse(externalJobSchema, body);
  const problems = payloadStorageProblems(input.payload ?? {}, 'payload');
  if (problems.length > 0) throw new ValidationError(problems);
  const job = newJob({
    id: input.id ?? randomUUID(),
    type: EXTERNAL_JOB_TYPE,
    payload: input.payload ?? {},
    maxAttempts: 1,
    now: deps.clock(),
    initialStatus: 'pending',
  });
  await deps.repository.create(job);
  deps.log.info('Job added', { jobId: job.id, type: job.type, status: job.status, attempt: 0 });
  return job;
}

/**
 * `PUT /jobs/{id}`: the external system reports a status. With `expectedVersion` (If-Match) a
 * stale report is refused; without it, a concurrent write is retried against the new version.
 * Worker-driven jobs belong to their workers and cannot be changed here.
 */
export async function reportExternalStatus(
  deps: ExternalJobDeps,
  id: string,
  body: unknown,
  expectedVersion?: number,
): Promise<Job> {
  const { status } = parse(externalStatusReportSchema, body);
  return retryOnConflict(deps.repository, id, async (job) => {
    if (!job) throw new JobNotFoundError(id);
    if (expectedVersion !== undefined && job.version !== expectedVersion) {
      throw new PreconditionFailedError(id, expectedVersion, job.version);
    }
    if (job.type !== EXTERNAL_JOB_TYPE) throw new IllegalTransitionError(job.status, status);
    if (isTerminal(job.status)) throw new IllegalTransitionError(job.status, status);
    const updated = await deps.repository.save(job, transition(job, status, deps.clock()));
    deps.log.info('External job reported', { jobId: id, type: job.type, status });
    return updated;
  });
}
