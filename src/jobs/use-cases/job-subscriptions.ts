import type { JobsRepository } from '../ports/jobs-repository';
import type { ConnectionPoster, Subscription, SubscriptionStore } from '../ports/subscriptions';
import type { ServerMessage } from '../realtime/server-messages';
import { keysMatching, subscriptionMatches, targetsOf, type SubscriptionRequest } from '../realtime/subscriptions';
import type { JobChange } from './notify-waiters';
import { statusView } from './wait-for-change';

export interface JobSubscriptionDeps {
  store: SubscriptionStore;
  poster: ConnectionPoster;
  repository: JobsRepository;
  clock: () => Date;
}

export interface NotifySubscribersDeps {
  store: SubscriptionStore;
  poster: ConnectionPoster;
}

/** API Gateway closes a WebSocket connection after 2 hours at most; a subscription outlives it by this grace. */
export const SUBSCRIPTION_LIFETIME_SECONDS = 2 * 60 * 60 + 10 * 60;

/**
 * Serves a `subscribe` or `unsubscribe`. Subscribe, then check once: the subscriptions are stored
 * (and the jobs marked followed) before the jobs are read, so a change landing in between is either in the snapshot sent here or
 * posted by the notifier, never lost (the client keeps the highest version it has seen).
 */
export async function handleSubscriptionRequest(
  deps: JobSubscriptionDeps,
  connectionId: string,
  request: SubscriptionRequest,
): Promise<void> {
  const targets = targetsOf(request);
  const echo = { jobIds: request.jobIds, ...(request.filter ? { filter: request.filter } : {}) };
  if (request.action === 'unsubscribe') {
    await deps.store.remove(connectionId, targets);
    await deps.poster.post(connectionId, { type: 'unsubscribed', ...echo } satisfies ServerMessage);
    return;
  }
  const expiresAt = Math.floor(deps.clock().getTime() / 1000) + SUBSCRIPTION_LIFETIME_SECONDS;
  await deps.store.add(targets.map((target): Subscription => ({ connectionId, target, expiresAt })));
  // Stored, then marked followed, then read: the notifier looks up subscribers by job id only for marked jobs.
  await Promise.all(request.jobIds.map((jobId) => deps.repository.follow(jobId, expiresAt)));
  if ((await deps.poster.post(connectionId, { type: 'subscribed', ...echo } satisfies ServerMessage)) === 'gone') {
    await deps.store.removeConnection(connectionId);
    return;
  }
  const jobs = await Promise.all(request.jobIds.map((jobId) => deps.repository.get(jobId)));
  for (const [index, job] of jobs.entries()) {
    const jobId = request.jobIds[index]!;
    const message: ServerMessage = job
      ? { type: 'status', job: statusView(job) }
      : {
          type: 'error',
          problem: {
            type: 'urn:serverless-jobs:problem:job-not-found',
            title: 'Job not found',
            status: 404,
            detail: `No job ${jobId}`,
            errors: [{ field: `jobIds[${index}]`, message: 'no such job' }],
          },
        };
    await deps.poster.post(connectionId, message);
  }
}

export interface NotifyOutcome {
  sent: number;
  gone: number;
}

const messageOf = (change: JobChange): ServerMessage =>
  change.removed
    ? { type: 'removed', jobId: change.jobId, version: change.version }
    : {
        type: 'status',
        job: { id: change.jobId, status: change.status, version: change.version, updatedAt: change.updatedAt },
      };

/**
 * Posts each change to every connection subscribed to its job or to a filter it matches. Changes
 * of one job go out one after another in stream (version) order; different jobs side by side.
 * A post never waits for the client; a connection that is gone is removed with its subscriptions.
 * One that 'failed' keeps them: the poster (RetryingConnectionPoster) has retried and reported it.
 * The batch's subscriptions are looked up once, each key one Query: the filter keys are shared by
 * every change of the same type and status, and a job nobody follows by id has no key of its own.
 */
export async function notifySubscribers(deps: NotifySubscribersDeps, changes: JobChange[]): Promise<NotifyOutcome> {
  const byJob = new Map<string, JobChange[]>();
  for (const change of changes) byJob.set(change.jobId, [...(byJob.get(change.jobId) ?? []), change]);
  const outcome: NotifyOutcome = { sent: 0, gone: 0 };
  const keys = new Set(changes.flatMap((change) => keysMatching(change)));
  if (keys.size === 0) return outcome;
  const subscriptions = await deps.store.subscribersOf([...keys]);
  if (subscriptions.length === 0) return outcome;
  const gone = new Set<string>();
  await Promise.all(
    [...byJob.values()].map(async (jobChanges) => {
      for (const change of jobChanges) {
        const connections = new Set(
          subscriptions
            .filter((s) => subscriptionMatches(s.target, change))
            .map((s) => s.connectionId)
            .filter((id) => !gone.has(id)),
        );
        const message = messageOf(change);
        await Promise.all(
          [...connections].map(async (connectionId) => {
            const posted = await deps.poster.post(connectionId, message);
            if (posted === 'sent') {
              outcome.sent += 1;
            } else if (posted === 'gone' && !gone.has(connectionId)) {
              gone.add(connectionId);
              await deps.store.removeConnection(connectionId);
            }
          }),
        );
      }
    }),
  );
  outcome.gone = gone.size;
  return outcome;
}

/** `$disconnect`: the connection's subscriptions go with it. */
export async function forgetConnection(deps: Pick<JobSubscriptionDeps, 'store'>, connectionId: string): Promise<void> {
  await deps.store.removeConnection(connectionId);
}
