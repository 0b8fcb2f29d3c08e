import * as z from 'zod';
import { CONSUMER_STATES } from '../jobs/ports/queue-consumers';
import { TOKEN_SCOPES } from '../tokens/token-scopes';
import { JOB_STATUSES } from '../jobs/job';

/**
 * The public API's bodies as zod schemas, for the OpenAPI document (src/api/openapi-document.ts).
 * Payloads are not here: each job type declares its own. test/cdk/openapi-document.test.ts checks
 * that what these schemas describe is what the typed client (src/client) declares.
 */

const isoDateTime = z.iso.datetime({ offset: true }).describe('ISO 8601 date-time');

export const invalidFieldSchema = z
  .object({ field: z.string().describe('The field, header or parameter refused'), message: z.string() })
  .describe('A field the server refused, and why');

export const problemSchema = z
  .looseObject({
    type: z.string().describe('A URN such as urn:serverless-jobs:problem:validation (see x-problem-types)'),
    title: z.string(),
    status: z.int().min(400).max(599),
    detail: z.string(),
    errors: z.array(invalidFieldSchema).optional().describe('Every field that was refused'),
  })
  .describe('RFC 9457 problem details: every non-2xx answer');

export const jobStatusSchema = z.enum(JOB_STATUSES);

export const jobErrorSchema = z.object({
  message: z.string(),
  kind: z.string().describe('transient, permanent, timeout, dead-lettered, enqueue, …'),
});

export const jobHistoryEntrySchema = z.object({
  status: jobStatusSchema,
  at: isoDateTime,
  attempt: z.int().min(0),
  error: z.string().optional(),
});

const jobFields = {
  id: z.string(),
  type: z.string().describe('A declared job type (GET /job-types), or external'),
  status: jobStatusSchema,
  version: z.int().min(1).describe('Incremented by every change'),
  round: z
    .int()
    .min(1)
    .optional()
    .describe('Which run of the job: 1 from submission, incremented by each retry or redrive'),
  attempts: z.int().min(0),
  maxAttempts: z.int().min(1),
  payload: z.record(z.string(), z.unknown()).describe("The submitted payload, the type's sensitive fields masked"),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
  runAt: isoDateTime.optional().describe('When a delayed job becomes due'),
  leaseUntil: isoDateTime.optional(),
  nextAttemptAt: isoDateTime.optional(),
  result: z.record(z.string(), z.unknown()).optional(),
  error: jobErrorSchema.optional(),
  deadLettered: z.boolean().optional(),
};

export const jobSummarySchema = z
  .object({
    id: jobFields.id,
    type: jobFields.type,
    status: jobFields.status,
    version: jobFields.version,
    round: jobFields.round,
    attempts: jobFields.attempts,
    maxAttempts: jobFields.maxAttempts,
    createdAt: jobFields.createdAt,
    updatedAt: jobFields.updatedAt,
    runAt: jobFields.runAt,
    leaseUntil: jobFields.leaseUntil,
    nextAttemptAt: jobFields.nextAttemptAt,
    deadLettered: jobFields.deadLettered,
    error: z
      .object({ kind: jobErrorSchema.shape.kind })
      .optional()
      .describe('What kind of error; its message is on the job'),
  })
  .describe('A job as listed: no payload, result, error message or history (GET /jobs/{id} has them, masked)');
export const jobSchema = z
  .object({ ...jobFields, history: z.array(jobHistoryEntrySchema) })
  .describe('A job, history included');

export const jobPageSchema = z.object({
  jobs: z.array(jobSummarySchema),
  nextCursor: z.string().optional().describe('Present when there are more jobs: pass it as cursor'),
});

export const jobStatusSnapshotSchema = z.object({
  id: z.string(),
  status: jobStatusSchema,
  version: z.int().min(1),
  updatedAt: isoDateTime,
});

export const jobStatusChangeSchema = jobStatusSnapshotSchema
  .extend({
    changed: z.boolean().describe('Whether the version differs from since'),
    final: z
      .boolean()
      .describe('The status is final (completed, failed, cancelled, done): a long poll on it answers at once'),
    message: z.string(),
  })
  .describe("A long poll's answer");

export const queueConsumptionSchema = z.object({
  type: z.string(),
  paused: z.boolean().describe('Nothing new is taken from the queue: its consumer is Disabled or Disabling'),
  consumerState: z
    .enum(CONSUMER_STATES)
    .describe("The consumer's event source mapping state, as Lambda reports it; a change takes effect shortly after"),
});

export const queueStatsSchema = z.object({
  type: z.string(),
  visible: z.int().min(0),
  inFlight: z.int().min(0),
  delayed: z.int().min(0),
  deadLetters: z.int().min(0),
  paused: queueConsumptionSchema.shape.paused,
  consumerState: queueConsumptionSchema.shape.consumerState,
});

export const bulkRetryResultSchema = z.object({
  matched: z.int().min(0).describe('Matching failed jobs from the cursor on, before this request retried any'),
  dryRun: z.literal(true).optional(),
  retried: z.array(z.string()).optional().describe('Ids back to queued with fresh attempts'),
  skipped: z
    .array(z.object({ id: z.string(), reason: z.string() }))
    .optional()
    .describe('Ids that had moved on meanwhile'),
  remaining: z.int().min(0).optional().describe('Matching jobs after this batch: the next request expects these'),
  cursor: z.string().optional().describe('Send with expect: remaining for the next batch'),
});

export const queuesSummarySchema = z.object({ queues: z.array(queueStatsSchema) });

export const redriveResultSchema = z.object({
  type: z.string(),
  moved: z.int().min(0),
  discarded: z
    .int()
    .min(0)
    .describe('Dead letters deleted: their job had moved on, or they were from an earlier round of it'),
  skipped: z
    .int()
    .min(0)
    .describe('Dead letters left in the DLQ: unreadable, of a job that no longer exists, or of one under contention'),
});

export const statsSchema = z.object({
  counts: z
    .partialRecord(jobStatusSchema, z.record(z.string(), z.int().min(0)))
    .describe(
      'Per status, the number of retained jobs of each type that has any, from counters the jobs stream keeps (jobs unchanged since before the counters were deployed are not counted)',
    ),
});

const seriesCountsShape = {
  submitted: z.int().min(0),
  completed: z.int().min(0).describe('Jobs that finished well (completed, or done for external jobs)'),
  failed: z.int().min(0),
  p50Ms: z.int().min(0).optional().describe('Median time from due to finished of the jobs that finished (ms)'),
  p95Ms: z.int().min(0).optional().describe('95th percentile of the same (ms)'),
};

export const statsSeriesSchema = z.object({
  minutes: z.int().min(1),
  from: z.string().describe('First minute of the window (YYYY-MM-DDTHH:MM, UTC)'),
  to: z.string().describe('Last minute of the window: the current one'),
  types: z.array(
    z.object({
      type: z.string(),
      points: z
        .array(z.object({ minute: z.string(), ...seriesCountsShape }))
        .describe('Every minute of the window, oldest first'),
      total: z.object(seriesCountsShape).describe('The whole window; percentiles over all its finished jobs'),
    }),
  ),
});

export const healthSchema = z.object({
  status: z.literal('ok'),
  websocketUrl: z
    .string()
    .optional()
    .describe('The WebSocket API to subscribe to job changes (wss://…/<stage>), when the deployment has one'),
});

export const jobTypeSettingsSchema = z.object({
  maxAttempts: z.int().min(1),
  backoff: z.object({ baseMs: z.number(), capMs: z.number() }),
  batchSize: z.int().min(1),
  maxBatchingWindowSeconds: z.int().min(0),
  maxConcurrency: z.int().min(2),
  timeoutSeconds: z.int().min(1),
  memorySize: z.int().min(128),
});

export const jobTypeDescriptionSchema = z.object({
  name: z.string(),
  payloadSchema: z.record(z.string(), z.unknown()).describe("JSON Schema (draft 2020-12) of the type's payload"),
  sensitiveFields: z.array(z.string()),
  recipientFields: z.array(z.string()),
  config: jobTypeSettingsSchema,
});

export const jobTypesListSchema = z.object({ jobTypes: z.array(jobTypeDescriptionSchema) });

const tokenScopeSchema = z.enum(TOKEN_SCOPES);
export const tokenRequestSchema = z.object({
  name: z.string().max(64).optional().describe('A label, e.g. the client it is for'),
  scopes: z.array(tokenScopeSchema).min(1),
  token: z
    .string()
    .min(16)
    .max(256)
    .optional()
    .describe('Import this existing secret (an x-api-key in use) instead of generating a token'),
});
export const tokenSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(tokenScopeSchema),
  createdAt: z.string(),
});
export const issuedTokenSchema = tokenSummarySchema.extend({
  token: z.string().describe('The bearer token; shown in this answer only'),
});
export const tokenListSchema = z.object({ tokens: z.array(tokenSummarySchema) });
