import type { APIGatewayProxyEvent } from 'aws-lambda';
import { JobNotFoundError } from '../../src/jobs/errors/job-not-found-error';
import type { Job } from '../../src/jobs/job';
import type { JobsRepository } from '../../src/jobs/ports/jobs-repository';
import { JOB_ID_PATTERN, JOB_ID_RULE } from '../../src/jobs/job-ids';
import { HttpProblemError } from './problem';

export function jobIdOf(event: APIGatewayProxyEvent): string {
  const id = event.pathParameters?.id ?? '';
  if (!JOB_ID_PATTERN.test(id)) {
    throw new HttpProblemError(400, 'validation', 'Invalid request', `"${id.slice(0, 140)}" is not a job id`, {
      errors: [{ field: 'id', message: JOB_ID_RULE }],
    });
  }
  return id;
}

export async function findJobOr404(repository: JobsRepository, id: string): Promise<Job> {
  const job = await repository.get(id);
  if (!job) throw new JobNotFoundError(id);
  return job;
}
