import { EXTERNAL_JOB_TYPE, isTerminal, type HistoryEntry, type Job } from './job';
import { HISTORY_LIMIT } from './job-state-machine';
import { visibilityTimeoutSeconds, type JobTypeConfig } from './job-type-config';

/**
 * When a worker-driven job should next be moving, or undefined once it is final (and for
 * external jobs, which no worker drives): a queued job at once, a delayed one at `runAt`, a
 * retrying one at `nextAttemptAt`, a processing one when its lease ends. A rescue pushes the
 * time to the rescue itself, so one stalled job is rescued once per margin, not on every run.
 */
export function dueAt(job: Job): string | undefined {
  if (isTerminal(job.status) || job.type === EXTERNAL_JOB_TYPE) return undefined;
  const stageDue =
    (job.status === 'delayed'
      ? job.runAt
      : job.status === 'retrying'
        ? job.nextAttemptAt
        : job.status === 'processing'
          ? job.leaseUntil
          : undefined) ?? job.updatedAt;
  const last = job.history.at(-1);
  return last?.rescue !== undefined && last.at > stageDue ? last.at : stageDue;
}

/** Slack on top of the visibility timeout for scheduling jitter and a slow poller. */
export const RESCUE_SLACK_SECONDS = 60;

/**
 * How long past its due time a job of this type may sit before it counts as stalled. Within one
 * visibility timeout SQS may legitimately still hold its message (a consumer received it, then
 * crashed before its claim), so only a job that has been due longer than that has lost it.
 */
export function rescueMarginSeconds(config: JobTypeConfig): number {
  return visibilityTimeoutSeconds(config) + RESCUE_SLACK_SECONDS;
}

/** Why `job` counts as stalled at `now`, or undefined while it is on schedule. */
export function stallReason(job: Job, config: JobTypeConfig, now: Date): string | undefined {
  const due = dueAt(job);
  if (due === undefined) return undefined;
  const lateSeconds = Math.floor((now.getTime() - new Date(due).getTime()) / 1000);
  if (lateSeconds <= rescueMarginSeconds(config)) return undefined;
  return `${job.status} ${lateSeconds} s past due with no progress; message re-sent`;
}

/** The job with a history entry recording its rescue (version + 1); its status is unchanged. */
export function recordRescue(job: Job, now: Date, reason: string): Job {
  const at = now.toISOString();
  const entry: HistoryEntry = { status: job.status, at, attempt: job.attempts, rescue: reason };
  return {
    ...job,
    version: job.version + 1,
    updatedAt: at,
    history: [...job.history, entry].slice(-HISTORY_LIMIT),
  };
}
