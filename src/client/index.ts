/** The typed client for the jobs API: `new JobsClient()` reads JOBS_API_URL and JOBS_API_KEY. */
export { JobsClient } from './jobs-client';
export type { EventsOptions, FetchFunction, JobsClientOptions, RequestOptions, WaitForOptions } from './jobs-client';
export { ServerSentEventParser, type ServerSentEvent } from './server-sent-events';
export { JOB_STATUSES, TERMINAL_STATUSES, isTerminalStatus } from './job';
export type { Job, JobError, JobHistoryEntry, JobStatus, JobType } from './job';
export type { JobStatusChange, JobStatusSnapshot } from './job-status';
export type {
  JobFilter,
  JobSubscription,
  SubscribeOptions,
  SubscriptionTarget,
  WebSocketFactory,
} from './job-subscription';
export type { JobPage, JobSummary, ListJobsFilter } from './job-list';
export type {
  CleanupPayload,
  EmailPayload,
  JobPayloads,
  PayloadMap,
  PayloadOf,
  PayloadsOf,
  SmsPayload,
  SubmitOptions,
} from './payloads';
export type { JobTypeInfo, JobTypesSummary, JsonSchema } from './job-types';
export type {
  BulkRetryFilter,
  BulkRetryResult,
  ConsumerState,
  QueueConsumption,
  QueueStats,
  QueuesSummary,
  RedriveResult,
} from './queues';
export type { CreateTokenRequest, IssuedToken, TokenScope, TokenSummary } from './tokens';
export type { InvalidField, Problem } from './problem';
export { JobsApiError } from './jobs-api-error';
export { JobVanishedError } from './job-vanished-error';
export { WaitTimeoutError } from './wait-timeout-error';
export { SubscribeTimeoutError } from './job-subscription';
export { JobsConnectionError } from './jobs-connection-error';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy';
