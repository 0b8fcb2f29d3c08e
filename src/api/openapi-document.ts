import * as z from 'zod';
import {
  healthSchema,
  invalidFieldSchema,
  jobErrorSchema,
  jobHistoryEntrySchema,
  jobPageSchema,
  jobSchema,
  jobStatusChangeSchema,
  jobStatusSchema,
  jobStatusSnapshotSchema,
  jobSummarySchema,
  jobTypeDescriptionSchema,
  jobTypeSettingsSchema,
  jobTypesListSchema,
  problemSchema,
  queueStatsSchema,
  queuesSummarySchema,
  queueConsumptionSchema,
  bulkRetryResultSchema,
  redriveResultSchema,
  statsSchema,
  statsSeriesSchema,
  tokenListSchema,
  tokenRequestSchema,
  tokenSummarySchema,
  issuedTokenSchema,
} from './api-schemas';
import { requiredScope, type RouteScopes } from '../tokens/token-scopes';
import { JOB_ID_PATTERN } from '../jobs/job-ids';
import { externalJobSchema, externalStatusReportSchema } from '../jobs/use-cases/external-jobs';
import { submissionTimingSchema } from '../jobs/job-submission';
import { bulkRetryRequestSchema } from '../jobs/use-cases/retry-failed-jobs';
import { JOB_STATUSES } from '../jobs/job';
import { MAX_PAGE_SIZE } from '../jobs/job-list-query';
import { DEFAULT_SERIES_MINUTES, MAX_SERIES_MINUTES } from '../jobs/use-cases/stats-series';

/**
 * The OpenAPI 3.1 document of the jobs API, generated: the bodies from the zod schemas of
 * src/api/api-schemas.ts and the use cases, each job type's submission from its own payload
 * schema (the registry's, as `GET /job-types` shows it). test/cdk/openapi-document.test.ts
 * validates it and checks its routes are exactly the synthesized template's.
 */

/** What the document needs of a job type: what `GET /job-types` answers. */
export interface DocumentedJobType {
  name: string;
  /** JSON Schema (draft 2020-12) of the payload, as `z.toJSONSchema` writes it. */
  payloadSchema: Record<string, unknown>;
  sensitiveFields: readonly string[];
}

export interface OpenApiDocumentOptions {
  /** The package version, shown as the API's. */
  version: string;
  /** The scope each token route needs (the authorizer's table); routes missing from it are open. */
  routeScopes: RouteScopes;
}

type JsonObject = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: '3.1.1';
  info: { title: string; version: string; description: string };
  servers: { url: string; description: string }[];
  paths: Record<string, Partial<Record<HttpMethod, JsonObject>>>;
  components: { schemas: Record<string, JsonObject>; securitySchemes: JsonObject };
  'x-problem-types': ProblemTypeDoc[];
  [extension: `x-${string}`]: unknown;
}

type HttpMethod = 'get' | 'post' | 'put' | 'delete';

interface ProblemTypeDoc {
  type: string;
  status: number;
  title: string;
  when: string;
}

/** Every problem the API (its functions and API Gateway itself) answers with. */
const PROBLEMS = {
  validation: { status: 400, title: 'Invalid request', when: 'a field, parameter or header is invalid (each named)' },
  'malformed-json': { status: 400, title: 'Malformed JSON', when: 'the body is missing or not JSON' },
  unauthorized: { status: 401, title: 'Unauthorized', when: 'the route needs a token: Authorization: Bearer <token>' },
  forbidden: {
    status: 403,
    title: 'Forbidden',
    when: 'the token is unknown, revoked, or lacks the scope of the route',
  },
  'token-not-found': { status: 404, title: 'Token not found', when: 'no token has this id' },
  'route-not-found': { status: 404, title: 'Not Found', when: 'no such route' },
  'not-found': { status: 404, title: 'Not Found', when: 'the dashboard has no such file' },
  'job-not-found': { status: 404, title: 'Job not found', when: 'no job has this id' },
  'unknown-job-type': { status: 404, title: 'Unknown job type', when: 'no job type has this name' },
  conflict: { status: 409, title: 'Conflict', when: "the job's status does not allow the change" },
  'count-changed': {
    status: 409,
    title: 'Count changed',
    when: 'a bulk retry expected another count than the filter matches now (the answer says how many)',
  },
  'idempotency-key-in-progress': {
    status: 409,
    title: 'Request in progress',
    when: 'a request with this Idempotency-Key is still running',
  },
  'stale-version': { status: 412, title: 'Precondition Failed', when: 'If-Match names an older version' },
  'body-too-large': { status: 413, title: 'Content Too Large', when: 'the body is over the size limit' },
  'unsupported-media-type': { status: 415, title: 'Unsupported Media Type', when: 'the body is not application/json' },
  'idempotency-key-reused': {
    status: 422,
    title: 'Idempotency key reused',
    when: 'the Idempotency-Key was used with a different request',
  },
  throttled: { status: 429, title: 'Too Many Requests', when: "the token's rate or burst limit was reached" },
  'quota-exceeded': { status: 429, title: 'Too Many Requests', when: "the token's daily quota is used up" },
  'too-many-long-polls': {
    status: 429,
    title: 'Too Many Requests',
    when: 'the token already holds as many open long polls as it may (the problem names the cap)',
  },
  internal: { status: 500, title: 'Internal Server Error', when: 'an unexpected error (nothing is revealed)' },
  unavailable: { status: 503, title: 'Service Unavailable', when: 'a dependency is busy; nothing was changed' },
} as const satisfies Record<string, Omit<ProblemTypeDoc, 'type'>>;

type ProblemSlug = keyof typeof PROBLEMS;

export const PROBLEM_TYPE_BASE = 'urn:serverless-jobs:problem:';

/** The API's own schemas, by component name. */
const COMPONENTS: Record<string, z.ZodType> = {
  Problem: problemSchema,
  InvalidField: invalidFieldSchema,
  JobStatusName: jobStatusSchema,
  JobError: jobErrorSchema,
  JobHistoryEntry: jobHistoryEntrySchema,
  Job: jobSchema,
  JobSummary: jobSummarySchema,
  JobPage: jobPageSchema,
  JobStatus: jobStatusSnapshotSchema,
  JobStatusChange: jobStatusChangeSchema,
  QueueStats: queueStatsSchema,
  Queues: queuesSummarySchema,
  RedriveResult: redriveResultSchema,
  QueueConsumption: queueConsumptionSchema,
  BulkRetryRequest: bulkRetryRequestSchema,
  BulkRetryResult: bulkRetryResultSchema,
  Stats: statsSchema,
  StatsSeries: statsSeriesSchema,
  Health: healthSchema,
  JobTypeSettings: jobTypeSettingsSchema,
  JobTypeDescription: jobTypeDescriptionSchema,
  JobTypes: jobTypesListSchema,
  ExternalJobRequest: externalJobSchema,
  ExternalStatusReport: externalStatusReportSchema,
  SubmissionTiming: submissionTimingSchema,
  TokenRequest: tokenRequestSchema,
  TokenSummary: tokenSummarySchema,
  IssuedToken: issuedTokenSchema,
  TokenList: tokenListSchema,
};

/** Request bodies are documented as the API accepts them (input); the rest as it answers (output). */
const INPUT_COMPONENTS = new Set(['ExternalJobRequest', 'ExternalStatusReport', 'SubmissionTiming', 'TokenRequest']);

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** A JSON Schema as a component: no `$schema`/`$id` (the document's dialect is 2020-12 already). */
function asComponent(schema: JsonObject): JsonObject {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

function componentSchemas(): Record<string, JsonObject> {
  const uri = (id: string) => `#/components/schemas/${id}`;
  const schemas: Record<string, JsonObject> = {};
  for (const io of ['output', 'input'] as const) {
    const registry = z.registry<{ id: string }>();
    for (const [name, schema] of Object.entries(COMPONENTS)) {
      if (INPUT_COMPONENTS.has(name) === (io === 'input')) registry.add(schema, { id: name });
    }
    const generated = z.toJSONSchema(registry, { uri, io, unrepresentable: 'any' }).schemas;
    for (const [name, schema] of Object.entries(generated)) schemas[name] = asComponent(schema as JsonObject);
  }
  return schemas;
}

/** `webhook-delivery` → `WebhookDelivery`. */
function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/** The body `POST /jobs/{name}` accepts: the payload's fields next to `delay` and `runAt`. */
function submissionSchema(type: DocumentedJobType, timing: JsonObject): JsonObject {
  const payload = asComponent(type.payloadSchema);
  const properties = { ...(payload.properties as JsonObject | undefined), ...(timing.properties as JsonObject) };
  return {
    ...payload,
    properties,
    description: `Submission of a ${type.name} job: its payload fields, and optionally when to start it (delay or runAt)${
      type.sensitiveFields.length ? `. Masked in every answer: ${type.sensitiveFields.join(', ')}` : ''
    }`,
  };
}

const json = (schema: JsonObject) => ({ 'application/json': { schema } });

function problemResponses(slugs: readonly ProblemSlug[]): Record<string, JsonObject> {
  const byStatus = new Map<number, ProblemSlug[]>();
  for (const slug of slugs) byStatus.set(PROBLEMS[slug].status, [...(byStatus.get(PROBLEMS[slug].status) ?? []), slug]);
  return Object.fromEntries(
    [...byStatus].map(([status, group]) => [
      String(status),
      {
        description: group.map((slug) => `${PROBLEMS[slug].title}: ${PROBLEMS[slug].when}`).join('; '),
        ...(status === 429 || status === 503 || group.includes('idempotency-key-in-progress')
          ? { headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } } }
          : {}),
        content: {
          'application/problem+json': {
            schema: ref('Problem'),
            examples: Object.fromEntries(
              group.map((slug) => [
                slug,
                {
                  value: {
                    type: PROBLEM_TYPE_BASE + slug,
                    title: PROBLEMS[slug].title,
                    status,
                    detail: PROBLEMS[slug].when,
                  },
                },
              ]),
            ),
          },
        },
      },
    ]),
  );
}

interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: JsonObject[];
  requestBody?: JsonObject;
  responses: Record<string, JsonObject>;
  problems: ProblemSlug[];
}

const pathParameter = (name: string, description: string, schema: JsonObject = { type: 'string' }) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema,
});
const queryParameter = (name: string, description: string, schema: JsonObject) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});
const jobIdParameter = pathParameter('id', 'The job id', { type: 'string', pattern: JOB_ID_PATTERN.source });
const etag = { ETag: { description: 'The job version, quoted: "3"', schema: { type: 'string' } } };
const jobAnswer = (description: string, extraHeaders: JsonObject = {}) => ({
  description,
  headers: { ...etag, ...extraHeaders },
  content: json(ref('Job')),
});
/** What API Gateway answers before any function runs: the key check and the usage plan's throttle. */
const fromGateway = (keyed: boolean): ProblemSlug[] =>
  keyed ? ['unauthorized', 'forbidden', 'throttled', 'quota-exceeded', 'internal'] : ['internal'];

/** Every route: the same set the stack's API has (the test compares them). */
function operations(jobTypes: readonly DocumentedJobType[]): Record<string, Partial<Record<HttpMethod, Operation>>> {
  const submitBody = (schema: JsonObject): JsonObject => ({ required: true, content: json(schema) });
  const idempotencyKey = {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description: 'The same key within 24 h answers the job it created (200, Idempotent-Replayed: true)',
    schema: { type: 'string', maxLength: 255 },
  };
  const submitted = {
    '202': {
      description: 'Accepted: the job is queued, or delayed until runAt',
      headers: { Location: { description: "The job's URL", schema: { type: 'string' } } },
      content: json(ref('Job')),
    },
    '200': {
      description: 'A replay: the job an earlier request with the same Idempotency-Key created',
      headers: { 'Idempotent-Replayed': { schema: { type: 'string', const: 'true' } } },
      content: json(ref('Job')),
    },
  };
  const submitProblems: ProblemSlug[] = [
    'validation',
    'malformed-json',
    'body-too-large',
    'unsupported-media-type',
    'idempotency-key-in-progress',
    'idempotency-key-reused',
    'unavailable',
  ];

  const paths: Record<string, Partial<Record<HttpMethod, Operation>>> = {
    '/health': {
      get: {
        operationId: 'health',
        summary: 'Liveness of the API',
        tags: ['meta'],
        responses: { '200': { description: 'Up', content: json(ref('Health')) } },
        problems: [],
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openApiDocument',
        summary: 'This document',
        tags: ['meta'],
        responses: { '200': { description: 'The OpenAPI 3.1 document', content: json({ type: 'object' }) } },
        problems: [],
      },
    },
    '/job-types': {
      get: {
        operationId: 'listJobTypes',
        summary: 'Every job type: its payload JSON Schema, sensitive fields and settings',
        tags: ['job types'],
        responses: { '200': { description: 'The job types', content: json(ref('JobTypes')) } },
        problems: [],
      },
    },
    '/jobs': {
      get: {
        operationId: 'listJobs',
        summary: 'Jobs, newest first, by status or type',
        tags: ['jobs'],
        parameters: [
          queryParameter('status', 'Only jobs in this status', ref('JobStatusName')),
          queryParameter('type', 'Only jobs of this type (or external)', {
            type: 'string',
            enum: [...jobTypes.map((type) => type.name), 'external'],
          }),
          queryParameter('limit', 'Page size', { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 }),
          queryParameter('cursor', "The previous page's nextCursor", { type: 'string', pattern: '^[A-Za-z0-9_-]+$' }),
        ],
        responses: { '200': { description: 'A page of jobs', content: json(ref('JobPage')) } },
        problems: ['validation', 'unavailable'],
      },
      post: {
        operationId: 'createExternalJob',
        summary: 'Create a job whose progress an external system reports (starts pending)',
        tags: ['external jobs'],
        requestBody: { required: false, content: json(ref('ExternalJobRequest')) },
        responses: {
          '201': jobAnswer('Created', { Location: { description: "The job's URL", schema: { type: 'string' } } }),
        },
        problems: ['validation', 'malformed-json', 'unsupported-media-type', 'body-too-large', 'conflict'],
      },
    },
    '/jobs/{id}': {
      get: {
        operationId: 'getJob',
        summary: 'A job, history included, sensitive fields masked',
        tags: ['jobs'],
        parameters: [jobIdParameter],
        responses: { '200': jobAnswer('The job') },
        problems: ['validation', 'job-not-found'],
      },
      post: {
        operationId: 'submitUnknownJobType',
        summary: 'Submitting to a job type that is not declared',
        description:
          'POST /jobs/{name} of a declared type is its own route (below); any other name lands here and is refused.',
        tags: ['jobs'],
        parameters: [pathParameter('id', 'A name that is not a declared job type')],
        responses: {},
        problems: ['unknown-job-type'],
      },
      put: {
        operationId: 'reportExternalStatus',
        summary: "Report an external job's status",
        tags: ['external jobs'],
        parameters: [
          jobIdParameter,
          {
            name: 'If-Match',
            in: 'header',
            required: false,
            description: 'Refuse the report (412) unless the job is at this version',
            schema: { type: 'string' },
          },
        ],
        requestBody: { required: true, content: json(ref('ExternalStatusReport')) },
        responses: { '200': jobAnswer('The job, updated') },
        problems: [
          'validation',
          'malformed-json',
          'unsupported-media-type',
          'body-too-large',
          'job-not-found',
          'conflict',
          'stale-version',
        ],
      },
      delete: {
        operationId: 'cancelJob',
        summary: 'Cancel a queued, delayed or retrying job',
        tags: ['jobs'],
        parameters: [jobIdParameter],
        responses: { '200': jobAnswer('The job, cancelled') },
        problems: ['validation', 'job-not-found', 'conflict'],
      },
    },
    '/jobs/{id}/status': {
      get: {
        operationId: 'getJobStatus',
        summary: "A job's status now, or when it changes (long polling)",
        tags: ['jobs'],
        parameters: [
          jobIdParameter,
          queryParameter('mode', 'short answers now; long holds until the version differs from since', {
            type: 'string',
            enum: ['short', 'long'],
            default: 'short',
          }),
          queryParameter('timeout', 'How long a long poll may hold, in ms (clamped to 1000–25000)', {
            type: 'integer',
            default: 10_000,
          }),
          queryParameter('since', 'The version the client has seen', { type: 'integer', minimum: 0 }),
          {
            name: 'If-None-Match',
            in: 'header',
            required: false,
            description: 'The version as an ETag, instead of since',
            schema: { type: 'string' },
          },
        ],
        responses: {
          '200': {
            description: 'The status; with since, whether it changed',
            headers: etag,
            content: json({ anyOf: [ref('JobStatusChange'), ref('JobStatus')] }),
          },
        },
        problems: ['validation', 'job-not-found', 'too-many-long-polls'],
      },
    },
    '/jobs/{id}/events': {
      get: {
        operationId: 'streamJobEvents',
        summary: "A job's status changes as Server-Sent Events, until it is final",
        description:
          'text/event-stream of `event: status` messages, `id:` the job version, `data:` the JobStatus JSON: the ' +
          'current snapshot first (if newer than Last-Event-ID), then every change, strictly by version. Intermediate ' +
          'versions written while no stream was open are not replayed: a resumed stream starts from the latest ' +
          'snapshot. `: keep-alive` comments every 15 s; the stream ends after a final status, or before the ' +
          "function's timeout (reconnect with Last-Event-ID). 204 when the job is final and Last-Event-ID already " +
          'has its version.',
        tags: ['jobs'],
        parameters: [
          jobIdParameter,
          {
            name: 'Last-Event-ID',
            in: 'header',
            required: false,
            description: 'The last version received: only later versions are sent',
            schema: { type: 'string', pattern: '^\\d+$' },
          },
          queryParameter('lastEventId', 'Last-Event-ID, for clients that cannot set headers', {
            type: 'integer',
            minimum: 0,
          }),
        ],
        responses: {
          '200': {
            description: 'The event stream',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          '204': { description: 'The job is final and Last-Event-ID has its version: nothing more will come' },
        },
        problems: ['validation', 'job-not-found'],
      },
    },
    '/jobs/{id}/retry': {
      post: {
        operationId: 'retryJob',
        summary: 'Run a failed job again with fresh attempts (dead-lettered or not)',
        tags: ['jobs'],
        parameters: [jobIdParameter],
        responses: { '200': jobAnswer('The job, queued again') },
        problems: ['validation', 'job-not-found', 'conflict', 'unavailable'],
      },
    },
    '/jobs/retry': {
      post: {
        operationId: 'retryFailedJobs',
        summary: 'Count (dryRun), then retry in batches, the failed jobs matching a filter',
        tags: ['operations'],
        requestBody: submitBody(ref('BulkRetryRequest')),
        responses: {
          '200': {
            description: 'The count, or the batch retried and what remains (with the cursor for the next batch)',
            content: json(ref('BulkRetryResult')),
          },
        },
        problems: ['validation', 'malformed-json', 'unsupported-media-type', 'count-changed', 'unavailable'],
      },
    },
    '/stats': {
      get: {
        operationId: 'getStats',
        summary: 'Retained jobs per status and type',
        tags: ['operations'],
        responses: { '200': { description: 'The counts', content: json(ref('Stats')) } },
        problems: ['unavailable'],
      },
    },
    '/stats/series': {
      get: {
        operationId: 'getStatsSeries',
        summary: 'Per job type and minute: submitted, completed, failed, and p50/p95 durations',
        tags: ['operations'],
        parameters: [
          queryParameter('minutes', 'How many minutes, ending with the current one', {
            type: 'integer',
            minimum: 1,
            maximum: MAX_SERIES_MINUTES,
            default: DEFAULT_SERIES_MINUTES,
          }),
          queryParameter('type', 'Only this job type (or external)', {
            type: 'string',
            enum: [...jobTypes.map((type) => type.name), 'external'],
          }),
        ],
        responses: { '200': { description: 'The series', content: json(ref('StatsSeries')) } },
        problems: ['validation', 'unavailable'],
      },
    },
    '/queues': {
      get: {
        operationId: 'listQueues',
        summary: 'Per job type: messages visible, in flight, delayed, and dead letters',
        tags: ['operations'],
        responses: { '200': { description: 'The queues', content: json(ref('Queues')) } },
        problems: ['unavailable'],
      },
    },
    '/queues/{type}/redrive': {
      post: {
        operationId: 'redriveQueue',
        summary: "Move a job type's dead letters back to its queue",
        tags: ['operations'],
        parameters: [
          pathParameter('type', 'The job type', { type: 'string', enum: jobTypes.map((type) => type.name) }),
        ],
        responses: { '200': { description: 'What moved', content: json(ref('RedriveResult')) } },
        problems: ['unknown-job-type', 'unavailable'],
      },
    },
    '/queues/{type}/pause': {
      post: {
        operationId: 'pauseQueue',
        summary: "Stop the type's consumer taking jobs from its queue (jobs wait there, queued)",
        tags: ['operations'],
        parameters: [
          pathParameter('type', 'The job type', { type: 'string', enum: jobTypes.map((type) => type.name) }),
        ],
        responses: { '200': { description: 'The queue, pausing or paused', content: json(ref('QueueConsumption')) } },
        problems: ['unknown-job-type', 'unavailable'],
      },
    },
    '/queues/{type}/resume': {
      post: {
        operationId: 'resumeQueue',
        summary: "Start the type's consumer again",
        tags: ['operations'],
        parameters: [
          pathParameter('type', 'The job type', { type: 'string', enum: jobTypes.map((type) => type.name) }),
        ],
        responses: { '200': { description: 'The queue, resuming or running', content: json(ref('QueueConsumption')) } },
        problems: ['unknown-job-type', 'unavailable'],
      },
    },
    '/tokens': {
      post: {
        operationId: 'createToken',
        summary: 'Create a scoped token (shown in this answer only)',
        tags: ['tokens'],
        requestBody: submitBody(ref('TokenRequest')),
        responses: { '201': { description: 'The token, once', content: json(ref('IssuedToken')) } },
        problems: ['validation', 'malformed-json', 'conflict'],
      },
      get: {
        operationId: 'listTokens',
        summary: 'List tokens (never their secrets)',
        tags: ['tokens'],
        responses: { '200': { description: 'Every token', content: json(ref('TokenList')) } },
        problems: [],
      },
    },
    '/tokens/{id}': {
      delete: {
        operationId: 'revokeToken',
        summary: 'Revoke a token and delete its usage-plan key',
        tags: ['tokens'],
        parameters: [pathParameter('id', 'The token id')],
        responses: { '200': { description: 'The revoked token', content: json(ref('TokenSummary')) } },
        problems: ['token-not-found'],
      },
    },
    '/dashboard': {
      get: {
        operationId: 'dashboard',
        summary: 'The operator dashboard (HTML)',
        tags: ['dashboard'],
        responses: { '200': { description: 'The page', content: { 'text/html': { schema: { type: 'string' } } } } },
        problems: [],
      },
    },
    '/dashboard/{file}': {
      get: {
        operationId: 'dashboardAsset',
        summary: "The dashboard's script, styles and icon",
        tags: ['dashboard'],
        parameters: [pathParameter('file', 'app.js, app.css or favicon.svg')],
        responses: {
          '200': { description: 'The file', content: { '*/*': { schema: { type: 'string' } } } },
          '304': { description: 'Not modified (If-None-Match)' },
        },
        problems: ['not-found'],
      },
    },
  };
  for (const type of jobTypes) {
    paths[`/jobs/${type.name}`] = {
      post: {
        operationId: `submit${pascalCase(type.name)}Job`,
        summary: `Submit a ${type.name} job`,
        tags: ['jobs'],
        parameters: [idempotencyKey],
        requestBody: submitBody(ref(`${pascalCase(type.name)}Submission`)),
        responses: submitted,
        problems: submitProblems,
      },
    };
  }
  return paths;
}

/** The OpenAPI 3.1 document of a deployment with these job types. */
export function openApiDocument(
  jobTypes: readonly DocumentedJobType[],
  options: OpenApiDocumentOptions,
): OpenApiDocument {
  const schemas = componentSchemas();
  const timing = schemas.SubmissionTiming ?? {};
  for (const type of jobTypes) {
    schemas[`${pascalCase(type.name)}Payload`] = asComponent(type.payloadSchema);
    schemas[`${pascalCase(type.name)}Submission`] = submissionSchema(type, timing);
  }
  const scopeOf = (method: string, path: string) => requiredScope(options.routeScopes, method, path);
  // The scope is listed for readers; API Gateway's authorizer is what checks it.
  const security = (scope: string | undefined) => (scope ? [{ bearer: [scope] }, { apiKey: [scope] }] : []);
  const paths: OpenApiDocument['paths'] = {};
  for (const [path, methods] of Object.entries(operations(jobTypes))) {
    const documented: Partial<Record<HttpMethod, JsonObject>> = {};
    for (const [method, { problems, ...operation }] of Object.entries(methods) as [HttpMethod, Operation][]) {
      const scope = scopeOf(method, path);
      documented[method] = {
        ...operation,
        security: security(scope),
        responses: { ...operation.responses, ...problemResponses([...problems, ...fromGateway(scope !== undefined)]) },
      };
    }
    paths[path] = documented;
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'serverless-jobs API',
      version: options.version,
      description:
        'Submit, inspect, wait for and manage background jobs. Every non-2xx answer is application/problem+json ' +
        `(RFC 9457) with a type from x-problem-types. Job statuses: ${JOB_STATUSES.join(', ')}.`,
    },
    servers: [{ url: '.', description: 'Where this document is served from (the stage, on AWS)' }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A token from POST /tokens (jobsctl tokens create)' },
        apiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'x-api-key',
          description: 'The same token, for clients written before tokens',
        },
      },
    },
    'x-problem-types': Object.entries(PROBLEMS).map(([slug, problem]) => ({
      type: PROBLEM_TYPE_BASE + slug,
      ...problem,
    })),
  };
}
