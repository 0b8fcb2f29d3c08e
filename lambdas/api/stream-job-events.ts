import type { Writable } from 'node:stream';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { followJob, type FollowRequest, type JobFollow } from '../../src/jobs/use-cases/follow-job';
import { withLongPollSlot } from '../../src/jobs/use-cases/long-poll-slot';
import { isFinalStatus } from '../../src/jobs/use-cases/wait-for-change';
import { longPollHolder, longPollsPerToken, slotDeps, waitDeps } from '../commons/long-poll-dependencies';
import { jobLog, logger } from '../commons/powertools';
import { jobIdOf } from '../http/find-job';
import { toProblemResponse } from '../http/problem-details';
import { KEEP_ALIVE, lastEventIdOf, retryField, serverSentEvent } from '../http/server-sent-events';

/** A comment this often keeps the stream under API Gateway's idle timeout (30 s for edge-optimized APIs). */
const HEARTBEAT_MS = Number(process.env.SSE_HEARTBEAT_MS ?? 15_000);
/** Time kept back from the function's timeout to end the stream cleanly; the client reconnects with Last-Event-ID. */
const END_MARGIN_MS = 2_000;
/** What EventSource waits before reconnecting once a stream ended at the deadline. */
const RETRY_MS = 1_000;

/** The local stack tells a handler its HTTP client went away; on AWS a failed write is the only sign. */
type ContextWithAbort = Context & { abortSignal?: AbortSignal };

/** A whole (non-streamed) answer: a problem, or 204 when there is nothing left to send. */
function answer(responseStream: Writable, response: APIGatewayProxyResult): Promise<void> {
  const { body, ...metadata } = response;
  const out = awslambda.HttpResponseStream.from(responseStream, metadata);
  return new Promise((resolve) => out.end(body, () => resolve()));
}

/**
 * `GET /jobs/{id}/events` (Server-Sent Events): `event: status` with `id: <version>` and the job's
 * status snapshot (the GET /jobs/{id}/status shape) now, then at every change, until the job is
 * final (the stream ends) or the client leaves. With `Last-Event-ID` only versions after it are
 * sent; a final job already delivered answers 204, which tells EventSource to stop reconnecting.
 * Waits through the long poll's waiter inbox, woken by the stream notifier; the stream ends before
 * the function's timeout and EventSource resumes it. Errors before the stream starts are problems.
 */
export const handler = awslambda.streamifyResponse<APIGatewayProxyEvent, void>(
  async (event, responseStream, lambdaContext) => {
    const context = lambdaContext as ContextWithAbort;
    logger.addContext(context);
    let answered = false;
    try {
      // A stream holds an execution environment as a long poll does, so it takes one of the
      // token's long-poll slots: no client can hold the function's concurrency with streams.
      await withLongPollSlot(
        slotDeps,
        { holder: longPollHolder(event), cap: longPollsPerToken, maxHoldMs: context.getRemainingTimeInMillis() },
        async () => {
          const follow = await followJob(waitDeps, followRequest(event, context));
          answered = true;
          try {
            await streamEvents(follow, lastEventIdOf(event), responseStream);
          } finally {
            await follow.close();
          }
        },
      );
    } catch (error) {
      // Once the stream has begun, a failure can only cut it; before, it is a problem answer.
      if (answered) throw error;
      return answer(responseStream, toProblemResponse(error, jobLog));
    }
  },
);

function followRequest(event: APIGatewayProxyEvent, context: ContextWithAbort): FollowRequest {
  const after = lastEventIdOf(event);
  return {
    jobId: jobIdOf(event),
    ...(after !== undefined ? { after } : {}),
    deadline: Date.now() + context.getRemainingTimeInMillis() - END_MARGIN_MS,
    ...(context.abortSignal ? { signal: context.abortSignal } : {}),
  };
}

async function streamEvents(follow: JobFollow, after: number | undefined, responseStream: Writable): Promise<void> {
  if (after !== undefined && follow.current.version <= after && isFinalStatus(follow.current.status)) {
    return answer(responseStream, { statusCode: 204, headers: { 'Cache-Control': 'no-store' }, body: '' });
  }
  const out = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 200,
    headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' },
  });
  out.on('error', () => undefined); // the client went away; the loop below sees the stream destroyed
  out.write(retryField(RETRY_MS));
  for await (const change of follow.events(HEARTBEAT_MS)) {
    if (out.destroyed) break;
    out.write(change.type === 'quiet' ? KEEP_ALIVE : serverSentEvent('status', change.job.version, change.job));
  }
  await new Promise<void>((resolve) => (out.destroyed ? resolve() : out.end(() => resolve())));
}
