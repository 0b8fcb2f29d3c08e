import type { Job } from '../jobs/job';
import { dueIndexAttributes, withoutIndexAttributes } from './dynamodb-due-jobs';

/** The byStatusType index's partition key: `<status>#<type>`, so one Query serves both filters. */
export const STATUS_TYPE_ATTRIBUTE = 'statusType';

export const statusTypeKey = (status: string, type: string): string => `${status}#${type}`;

/**
 * A job as the jobs table stores it: the job plus its index attributes, derived here and nowhere
 * else, so every write (the repository's create and save) keeps them in step with the status.
 */
export function jobItem(job: Job): Record<string, unknown> {
  return { ...job, ...dueIndexAttributes(job), [STATUS_TYPE_ATTRIBUTE]: statusTypeKey(job.status, job.type) };
}

/**
 * Epoch seconds until which someone follows the job by id (JobsRepository.follow). Written only
 * by follow and never by a save, so a save computed from a read before the mark keeps it.
 */
export const FOLLOWED_UNTIL_ATTRIBUTE = 'followedUntil';

/** A stored item (or an index's projection of one) without its index and follow attributes, which are not part of the job. */
export function fromJobItem<T extends Record<string, unknown>>(item: T): T {
  const {
    [STATUS_TYPE_ATTRIBUTE]: _statusType,
    [FOLLOWED_UNTIL_ATTRIBUTE]: _followedUntil,
    ...rest
  } = withoutIndexAttributes(item);
  return rest as T;
}
