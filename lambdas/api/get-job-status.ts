import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { DEFAULT_MAX_LONG_POLL_TIMEOUT_MS, parseStatusQuery } from '../../src/jobs/status-query';
import { isFinalStatus, statusView, waitForChange } from '../../src/jobs/use-cases/wait-for-change';
import { withLongPollSlot } from '../../src/jobs/use-cases/long-poll-slot';
import { longPollHolder, longPollsPerToken, slotDeps, waitDeps } from '../commons/long-poll-dependencies';
import { jobLog, observability, recordWakeLatency } from '../commons/powertools';
import { findJobOr404, jobIdOf } from '../http/find-job';
import { requestHeader } from '../http/json-request-body';
import { jsonResponse } from '../http/json-response';
import { problemDetails } from '../http/problem-details';

const maxTimeoutMs = Number(process.env.LONG_POLL_MAX_TIMEOUT_MS ?? DEFAULT_MAX_LONG_POLL_TIMEOUT_MS);
/** Time kept back from the function's own timeout to answer before Lambda cuts the wait off. */
const ANSWER_MARGIN_MS = 1_500;

/** The local stack tells a handler its HTTP client went away; on AWS nothing does and the wait ends at its deadline. */
type ContextWithAbort = Context & { abortSignal?: AbortSignal };

/**
 * `GET /jobs/{id}/status?mode=short|long&timeout=&since=` (or `If-None-Match`). Short answers now;
 * long holds the request until the job's version differs from `since` or the timeout, woken by
 * the stream notifier through this environment's inbox, never by re-reading the table. A job in a
 * final status is answered at once (`changed: false, final: true`): nothing would wake the wait.
 */
async function getJobStatus(event: APIGatewayProxyEvent, context: ContextWithAbort): Promise<APIGatewayProxyResult> {
  const jobId = jobIdOf(event);
  const query = parseStatusQuery(
    event.queryStringParameters ?? {},
    requestHeader(event, 'if-none-match'),
    maxTimeoutMs,
  );
  if (query.mode === 'short') {
    const job = await findJobOr404(waitDeps.repository, jobId);
    const view = statusView(job);
    const changed = job.version !== query.since;
    const final = isFinalStatus(job.status);
    const body = query.since === undefined ? view : { ...view, changed, final, message: changeMessage(changed, final) };
    return jsonResponse(200, body, { ETag: `"${job.version}"` });
  }
  const timeoutMs = Math.max(0, Math.min(query.timeoutMs, context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS));
  const { job, changed, final, answeredBy } = await withLongPollSlot(
    slotDeps,
    { holder: longPollHolder(event), cap: longPollsPerToken, maxHoldMs: context.getRemainingTimeInMillis() },
    () =>
      waitForChange(waitDeps, {
        jobId,
        timeoutMs,
        ...(query.since !== undefined ? { since: query.since } : {}),
        ...(context.abortSignal ? { signal: context.abortSignal } : {}),
      }),
  );
  if (answeredBy === 'notice') {
    // From the job's write to this answer: what long polling exists to keep small.
    recordWakeLatency(Math.max(0, Date.now() - Date.parse(job.updatedAt)));
  }
  return jsonResponse(
    200,
    { ...job, changed, final, message: changeMessage(changed, final) },
    { ETag: `"${job.version}"` },
  );
}

function changeMessage(changed: boolean, final: boolean): string {
  if (changed) return 'Status changed';
  return final ? 'No change: the job is final' : 'No change';
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, ContextWithAbort>()
  .use(problemDetails(jobLog))
  .use(observability())
  .handler(getJobStatus);
