import type { StatusView } from '../use-cases/wait-for-change';
import type { JobFilter } from './subscriptions';

/** An RFC 9457 problem, as the REST API answers it. */
export interface MessageProblem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
}

/**
 * What the server sends over the WebSocket. `status` carries the same snapshot as
 * `GET /jobs/{id}/status`; `removed` says the job no longer exists; `error` answers a message
 * that could not be served (a 4xx-like problem naming the field) and leaves the connection open.
 */
export type ServerMessage =
  | { type: 'status'; job: StatusView }
  | { type: 'removed'; jobId: string; version: number }
  | { type: 'subscribed' | 'unsubscribed'; jobIds: string[]; filter?: JobFilter }
  | { type: 'error'; problem: MessageProblem };
