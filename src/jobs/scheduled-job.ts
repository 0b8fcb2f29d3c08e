import type { JobSchedule } from './define-job-type';
import { systemJobId } from './job-ids';

/** What a schedule's rule hands the enqueuing function. */
export interface ScheduledSubmission {
  type: string;
  /** The schedule's name. */
  schedule: string;
  /** How often the schedule can fire at most: one job per day, or per minute. */
  period: 'day' | 'minute';
  payload: Record<string, unknown>;
}

const isFixed = (field: string | undefined) => field !== undefined && /^\d+$/.test(field);

/** A schedule that names its minute and hour fires at most once a day; anything else, at most once a minute. */
export function schedulePeriod(cron: JobSchedule['cron']): ScheduledSubmission['period'] {
  return isFixed(cron.minute) && isFixed(cron.hour) ? 'day' : 'minute';
}

/**
 * `system:daily-cleanup:2030-01-01`: the same for every delivery of one period's event, so
 * duplicates are refused; in the reserved system namespace, so no caller can create it first.
 */
export function scheduledJobId(submission: Pick<ScheduledSubmission, 'schedule' | 'period'>, now: Date): string {
  const iso = now.toISOString();
  const period = submission.period === 'day' ? iso.slice(0, 10) : iso.slice(0, 16).replace(':', '');
  return systemJobId(`${submission.schedule}:${period}`);
}
