import { ValidationError, type InvalidField } from './errors/validation-error';
import { EXTERNAL_JOB_TYPE, JOB_STATUSES, type AnyJobType, type JobStatus } from './job';
import type { JobFilter } from './ports/job-listing';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface JobListQuery {
  filter: JobFilter;
  limit: number;
  cursor?: string;
}

/** `GET /jobs?status=&type=&limit=&cursor=`: every bad parameter is named. `jobTypes` are the registry's names. */
export function parseJobListQuery(
  query: Record<string, string | undefined>,
  jobTypes: readonly string[],
): JobListQuery {
  const listedTypes: readonly AnyJobType[] = [...jobTypes, EXTERNAL_JOB_TYPE];
  const fields: InvalidField[] = [];
  const filter: JobFilter = {};
  if (query.status !== undefined) {
    if ((JOB_STATUSES as readonly string[]).includes(query.status)) filter.status = query.status as JobStatus;
    else fields.push({ field: 'status', message: `must be one of ${JOB_STATUSES.join(', ')}` });
  }
  if (query.type !== undefined) {
    if ((listedTypes as readonly string[]).includes(query.type)) filter.type = query.type as AnyJobType;
    else fields.push({ field: 'type', message: `must be one of ${listedTypes.join(', ')}` });
  }
  let limit = DEFAULT_PAGE_SIZE;
  if (query.limit !== undefined) {
    limit = Number(query.limit);
    if (!/^\d+$/.test(query.limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      fields.push({ field: 'limit', message: `must be a whole number from 1 to ${MAX_PAGE_SIZE}` });
    }
  }
  if (query.cursor !== undefined && !/^[A-Za-z0-9_.-]{1,4096}$/.test(query.cursor)) {
    fields.push({ field: 'cursor', message: 'must be a cursor from a previous page' });
  }
  if (fields.length > 0) throw new ValidationError(fields);
  return { filter, limit, ...(query.cursor !== undefined ? { cursor: query.cursor } : {}) };
}
