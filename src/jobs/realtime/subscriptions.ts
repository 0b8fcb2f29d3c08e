import { ValidationError, type InvalidField } from '../errors/validation-error';
import { JOB_STATUSES, type JobStatus } from '../job';
import { JOB_TYPE_NAME_PATTERN } from '../define-job-type';
import { JOB_ID_PATTERN, JOB_ID_RULE } from '../job-ids';

/** Which jobs a filter subscription follows: a missing field matches every value. */
export interface JobFilter {
  type?: string;
  status?: JobStatus;
}

/** What a connection follows: one job, or every job whose new state matches a filter. */
export type SubscriptionTarget = { kind: 'job'; jobId: string } | { kind: 'filter'; filter: JobFilter };

/** A client's `subscribe` or `unsubscribe`: job ids, a filter, or both. */
export interface SubscriptionRequest {
  action: 'subscribe' | 'unsubscribe';
  jobIds: string[];
  filter?: JobFilter;
}

/** The job change a subscriber is told about: enough to find every matching subscription. */
export interface ChangedJob {
  jobId: string;
  type?: string;
  status: string;
  /** False when nobody follows the job by id (JobsRepository.follow): its job key is not looked up. */
  followed?: boolean;
}

/** At most this many job ids per message: one message's work stays within one function's answer. */
export const MAX_JOB_IDS_PER_MESSAGE = 100;
/** Written in a filter key where the filter leaves a field open. */
const ANY = '*';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads a client message (the WebSocket frame's text). Everything wrong is reported at once, each
 * invalid field by name, as a ValidationError: the caller answers it as an error message and keeps
 * the connection.
 */
export function parseSubscriptionRequest(body: string | undefined): SubscriptionRequest {
  let message: unknown;
  try {
    message = JSON.parse(body ?? '');
  } catch {
    throw new ValidationError([{ field: '(body)', message: 'must be a JSON object' }]);
  }
  if (!isRecord(message)) throw new ValidationError([{ field: '(body)', message: 'must be a JSON object' }]);
  const fields: InvalidField[] = [];
  const action = message.action;
  if (action !== 'subscribe' && action !== 'unsubscribe') {
    fields.push({ field: 'action', message: 'must be subscribe or unsubscribe' });
  }
  const jobIds: string[] = [];
  if (message.jobIds !== undefined) {
    if (!Array.isArray(message.jobIds)) {
      fields.push({ field: 'jobIds', message: 'must be an array of job ids' });
    } else if (message.jobIds.length > MAX_JOB_IDS_PER_MESSAGE) {
      fields.push({ field: 'jobIds', message: `must hold at most ${MAX_JOB_IDS_PER_MESSAGE} ids` });
    } else {
      message.jobIds.forEach((id: unknown, index) => {
        if (typeof id === 'string' && JOB_ID_PATTERN.test(id)) {
          if (!jobIds.includes(id)) jobIds.push(id);
        } else fields.push({ field: `jobIds[${index}]`, message: JOB_ID_RULE });
      });
    }
  }
  let filter: JobFilter | undefined;
  if (message.filter !== undefined) {
    if (!isRecord(message.filter)) {
      fields.push({ field: 'filter', message: 'must be an object with type and/or status' });
    } else {
      const { type, status, ...rest } = message.filter;
      filter = {};
      if (type !== undefined) {
        if (typeof type === 'string' && JOB_TYPE_NAME_PATTERN.test(type)) filter.type = type;
        else fields.push({ field: 'filter.type', message: 'must be a job type name (lowercase letters, digits, -)' });
      }
      if (status !== undefined) {
        if (typeof status === 'string' && (JOB_STATUSES as readonly string[]).includes(status)) {
          filter.status = status as JobStatus;
        } else fields.push({ field: 'filter.status', message: `must be one of ${JOB_STATUSES.join(', ')}` });
      }
      for (const name of Object.keys(rest)) fields.push({ field: `filter.${name}`, message: 'is not a filter field' });
    }
  }
  if (fields.length === 0 && jobIds.length === 0 && filter === undefined) {
    fields.push({ field: 'jobIds', message: 'give jobIds, a filter, or both' });
  }
  if (fields.length > 0) throw new ValidationError(fields);
  return {
    action: action as SubscriptionRequest['action'],
    jobIds,
    ...(filter !== undefined ? { filter } : {}),
  };
}

/** The targets a request names, job ids first. */
export function targetsOf(request: SubscriptionRequest): SubscriptionTarget[] {
  const targets: SubscriptionTarget[] = request.jobIds.map((jobId) => ({ kind: 'job', jobId }));
  if (request.filter) targets.push({ kind: 'filter', filter: request.filter });
  return targets;
}

/**
 * The subscriptions table's partition key of a target: `job#<id>`, or `filter#<type>#<status>`
 * with `*` for an open field. A change is then found by at most five exact keys (see
 * {@link keysMatching}), each one Query, never a Scan.
 */
export function targetKey(target: SubscriptionTarget): string {
  if (target.kind === 'job') return `job#${target.jobId}`;
  return `filter#${target.filter.type ?? ANY}#${target.filter.status ?? ANY}`;
}

/** Every key under which a subscription to this change can be stored. */
export function keysMatching(change: ChangedJob): string[] {
  const keys = change.followed === false ? [] : [`job#${change.jobId}`];
  const types = change.type ? [change.type, ANY] : [ANY];
  for (const type of types) for (const status of [change.status, ANY]) keys.push(`filter#${type}#${status}`);
  return keys;
}

/** Whether a subscription covers a change: its job, or a filter the job's new state matches. */
export function subscriptionMatches(target: SubscriptionTarget, change: ChangedJob): boolean {
  if (target.kind === 'job') return target.jobId === change.jobId;
  const { type, status } = target.filter;
  return (type === undefined || type === change.type) && (status === undefined || status === change.status);
}
