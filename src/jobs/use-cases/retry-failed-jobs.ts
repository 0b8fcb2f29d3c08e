import * as z from 'zod';
import { ValidationError } from '../errors/validation-error';
import { validationErrorOf } from '../errors/zod-validation-error';
import { IllegalTransitionError } from '../errors/illegal-transition-error';
import { JobNotFoundError } from '../errors/job-not-found-error';
import { MatchCountChangedError } from '../errors/match-count-changed-error';
import type { JobSummary } from '../job-summary';
import type { JobListing } from '../ports/job-listing';
import { retryJob, type RetryJobDeps } from './retry-job';

/** Jobs retried per request: each is a conditional write and a send, so one request stays well inside its timeout. */
export const BULK_RETRY_BATCH_SIZE = 25;
/** A filter matching more is refused: narrow it (error kind, time range). */
export const MAX_BULK_RETRY_MATCHES = 10_000;
const LISTING_PAGE = 25;

const ERROR_KINDS = ['transient', 'permanent', 'timeout', 'dead-lettered', 'enqueue'] as const;

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });

export const bulkRetryFilterSchema = z
  .strictObject({
    type: z.string('must be a job type'),
    errorKind: z.enum(ERROR_KINDS, { error: `must be one of ${ERROR_KINDS.join(', ')}` }).optional(),
    deadLettered: z.boolean('must be true or false').optional(),
    failedAfter: isoTime.optional().describe('Only jobs that failed at or after this time'),
    failedBefore: isoTime.optional().describe('Only jobs that failed before this time'),
  })
  .describe('Which failed jobs: of one type, optionally by error kind, dead-lettered or not, and when they failed');

export const bulkRetryRequestSchema = z
  .strictObject({
    filter: bulkRetryFilterSchema,
    dryRun: z.boolean('must be true or false').optional().describe('Only count the matching jobs'),
    expect: z
      .int('must be a whole number')
      .min(0, 'must be 0 or more')
      .optional()
      .describe("The dry run's count (or the previous answer's remaining): refused with 409 when it changed"),
    cursor: z.string('must be a cursor from a previous answer').optional(),
  })
  .describe('Retry every failed job matching a filter: count them first (dryRun), then retry with expect');

export type BulkRetryFilter = z.infer<typeof bulkRetryFilterSchema>;
export type BulkRetryRequest = z.infer<typeof bulkRetryRequestSchema>;

export interface BulkRetryResult {
  /** Matching failed jobs from the cursor on (all of them without one), before this request retried any. */
  matched: number;
  dryRun?: true;
  /** Ids retried: back to queued with fresh attempts. */
  retried?: string[];
  /** Ids matched but not retried: they had moved on (retried by someone else, removed) meanwhile. */
  skipped?: { id: string; reason: string }[];
  /** Matching jobs after this batch: send `expect: remaining` with `cursor` for the next one. */
  remaining?: number;
  cursor?: string;
}

export interface RetryFailedJobsDeps extends RetryJobDeps {
  /** Listing cursors it hands out are the caller's to sign. */
  listing: JobListing;
}

/** The request, every invalid field named; `type` must be a job type the registry runs. */
export function parseBulkRetryRequest(body: unknown, jobTypes: readonly string[]): BulkRetryRequest {
  const result = bulkRetryRequestSchema.safeParse(body ?? {});
  if (!result.success) {
    throw validationErrorOf(result.error);
  }
  const request = result.data;
  const fields = [];
  if (!jobTypes.includes(request.filter.type))
    fields.push({ field: 'filter.type', message: `must be one of ${jobTypes.join(', ')}` });
  if (!request.dryRun && request.expect === undefined)
    fields.push({ field: 'expect', message: 'is required to retry: send the count of a dry run (dryRun: true)' });
  if (request.dryRun && request.expect !== undefined)
    fields.push({ field: 'expect', message: 'is for retrying, not for a dry run' });
  if (fields.length > 0) throw new ValidationError(fields);
  return request;
}

function matches(filter: BulkRetryFilter, job: JobSummary): boolean {
  if (filter.errorKind !== undefined && job.error?.kind !== filter.errorKind) return false;
  if (filter.deadLettered !== undefined && (job.deadLettered === true) !== filter.deadLettered) return false;
  // A failed job's last write is its failure.
  const failedAt = Date.parse(job.updatedAt);
  if (filter.failedAfter !== undefined && failedAt < Date.parse(filter.failedAfter)) return false;
  if (filter.failedBefore !== undefined && failedAt >= Date.parse(filter.failedBefore)) return false;
  return true;
}

/**
 * Retries the failed jobs matching a filter, newest first, in bounded batches. A dry run counts
 * them. A retry must name the count it expects: when the filter matches a different number now
 * (jobs failed, or were retried, since the count), nothing is retried and the answer is a 409
 * with the current count, so an operator never retries more than the confirmation said. Each
 * job goes through the single-job retry (its conditional write and re-enqueue); a job that moved
 * on meanwhile is skipped. The cursor continues after this batch; jobs newer than the first
 * request's are not part of the run.
 */
export async function retryFailedJobs(deps: RetryFailedJobsDeps, request: BulkRetryRequest): Promise<BulkRetryResult> {
  const { filter } = request;
  const pages: { matching: JobSummary[]; nextCursor?: string }[] = [];
  let matched = 0;
  let cursor = request.cursor;
  do {
    const page = await deps.listing.list({ status: 'failed', type: filter.type }, LISTING_PAGE, cursor);
    const matching = page.jobs.filter((job) => matches(filter, job));
    matched += matching.length;
    if (matched > MAX_BULK_RETRY_MATCHES) {
      throw new ValidationError([
        {
          field: 'filter',
          message: `matches more than ${MAX_BULK_RETRY_MATCHES} jobs: narrow it (errorKind, failedAfter, failedBefore)`,
        },
      ]);
    }
    pages.push({ matching, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
    cursor = page.nextCursor;
  } while (cursor);
  if (request.dryRun) return { matched, dryRun: true };
  if (request.expect !== matched) throw new MatchCountChangedError(request.expect ?? 0, matched);

  // Whole listing pages, up to the batch size, so the cursor continues right after the batch.
  const batch: JobSummary[] = [];
  let next: string | undefined;
  for (const page of pages) {
    if (batch.length > 0 && batch.length + page.matching.length > BULK_RETRY_BATCH_SIZE) break;
    batch.push(...page.matching);
    next = page.nextCursor;
  }
  const retried: string[] = [];
  const skipped: { id: string; reason: string }[] = [];
  for (const job of batch) {
    try {
      await retryJob(deps, job.id);
      retried.push(job.id);
    } catch (error) {
      if (!(error instanceof IllegalTransitionError || error instanceof JobNotFoundError)) throw error;
      skipped.push({ id: job.id, reason: error.message });
    }
  }
  const remaining = matched - batch.length;
  return { matched, retried, skipped, remaining, ...(remaining > 0 && next ? { cursor: next } : {}) };
}
