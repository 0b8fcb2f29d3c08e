import { ValidationError } from '../errors/validation-error';
import { summarizeJob } from '../job-summary';
import type { JobFilter, JobListing, JobPage } from '../ports/job-listing';
import type { InMemoryJobsRepository } from './in-memory-jobs-repository';

interface Position {
  createdAt: string;
  id: string;
}

const newestFirst = (a: Position, b: Position) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);

function decodeCursor(cursor: string): Position {
  try {
    const position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<Position>;
    if (typeof position.createdAt === 'string' && typeof position.id === 'string') {
      return { createdAt: position.createdAt, id: position.id };
    }
  } catch {
    // fall through
  }
  throw new ValidationError([{ field: 'cursor', message: 'must be a cursor from a previous page' }]);
}

/** Listing over an in-memory repository's jobs: the same order, filters and cursor contract as the indexes. */
export class InMemoryJobListing implements JobListing {
  constructor(private readonly repository: InMemoryJobsRepository) {}

  async list(filter: JobFilter, limit: number, cursor?: string): Promise<JobPage> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const matching = this.repository
      .all()
      .filter((job) => (!filter.status || job.status === filter.status) && (!filter.type || job.type === filter.type))
      .filter((job) => !after || newestFirst(after, job) < 0)
      .sort(newestFirst);
    const jobs = matching.slice(0, limit);
    const last = jobs.at(-1);
    return {
      jobs: jobs.map(summarizeJob),
      ...(last && matching.length > limit
        ? { nextCursor: Buffer.from(JSON.stringify({ createdAt: last.createdAt, id: last.id })).toString('base64url') }
        : {}),
    };
  }
}
