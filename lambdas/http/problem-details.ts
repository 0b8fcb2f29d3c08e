import {
  IdempotencyAlreadyInProgressError,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DependencyUnavailableError } from '../../src/jobs/errors/dependency-unavailable-error';
import type { IllegalTransitionError } from '../../src/jobs/errors/illegal-transition-error';
import type { JobAlreadyExistsError } from '../../src/jobs/errors/job-already-exists-error';
import type { JobConflictError } from '../../src/jobs/errors/job-conflict-error';
import type { JobContentionError } from '../../src/jobs/errors/job-contention-error';
import type { JobNotFoundError } from '../../src/jobs/errors/job-not-found-error';
import { JobsError } from '../../src/jobs/errors/jobs-error';
import type { MatchCountChangedError } from '../../src/jobs/errors/match-count-changed-error';
import type { PermanentJobError } from '../../src/jobs/errors/permanent-job-error';
import type { PreconditionFailedError } from '../../src/jobs/errors/precondition-failed-error';
import type { TokenAlreadyExistsError } from '../../src/jobs/errors/token-already-exists-error';
import type { TokenNotFoundError } from '../../src/jobs/errors/token-not-found-error';
import type { TooManyLongPollsError } from '../../src/jobs/errors/too-many-long-polls-error';
import type { TransientJobError } from '../../src/jobs/errors/transient-job-error';
import type { ValidationError } from '../../src/jobs/errors/validation-error';
import type { JobLog } from '../../src/jobs/ports/job-log';
import { HttpProblemError, type Problem, problemResponse, problemType } from './problem';

/** A problem and the headers that go with it. */
interface ProblemAnswer {
  readonly problem: Problem;
  readonly headers?: Record<string, string>;
}

/** Every domain error the API can meet; its `code` is its key in the table below. */
type DomainError =
  | DependencyUnavailableError
  | IllegalTransitionError
  | JobAlreadyExistsError
  | JobConflictError
  | JobContentionError
  | JobNotFoundError
  | MatchCountChangedError
  | PermanentJobError
  | PreconditionFailedError
  | TokenAlreadyExistsError
  | TokenNotFoundError
  | TooManyLongPollsError
  | TransientJobError
  | ValidationError;

/** One entry per code of `DomainError`: a class added there without an answer for clients fails to compile. */
type ProblemTable = {
  readonly [E in DomainError as E['code']]: ((error: E, log: JobLog) => ProblemAnswer) | 'internal';
};

/** An answer telling the client when trying again makes sense. */
const retryAfter = (seconds: number, problem: Problem): ProblemAnswer => ({
  problem,
  headers: { 'Retry-After': String(seconds) },
});

const conflict = (error: Error): ProblemAnswer => ({
  problem: { type: problemType('conflict'), title: 'Conflict', status: 409, detail: error.message },
});

const problems: ProblemTable = {
  validation: (error) => ({
    problem: {
      type: problemType('validation'),
      title: 'Invalid request',
      status: 400,
      detail: error.message,
      errors: error.fields,
    },
  }),
  'dependency-unavailable': (error, log) => {
    log.warn('Dependency unavailable', { dependency: error.dependency, cause: String(error.cause) });
    return retryAfter(error.retryAfterSeconds, {
      type: problemType('unavailable'),
      title: 'Service Unavailable',
      status: 503,
      detail: `${error.dependency} is busy; nothing was changed. Retry after ${error.retryAfterSeconds} s.`,
    });
  },
  'too-many-long-polls': (error) =>
    retryAfter(error.retryAfterSeconds, {
      type: problemType('too-many-long-polls'),
      title: 'Too Many Requests',
      status: 429,
      detail: `${error.message}. Retry after ${error.retryAfterSeconds} s.`,
      cap: error.cap,
    }),
  'job-contention': (error) =>
    retryAfter(1, {
      type: problemType('contention'),
      title: 'Service Unavailable',
      status: 503,
      detail: `${error.message}; nothing was changed. Retry shortly.`,
    }),
  'job-not-found': (error) => ({
    problem: { type: problemType('job-not-found'), title: 'Job not found', status: 404, detail: error.message },
  }),
  'token-not-found': (error) => ({
    problem: { type: problemType('token-not-found'), title: 'Token not found', status: 404, detail: error.message },
  }),
  'precondition-failed': (error) => ({
    problem: { type: problemType('stale-version'), title: 'Precondition Failed', status: 412, detail: error.message },
    headers: { ETag: `"${error.currentVersion}"` },
  }),
  'count-changed': (error) => ({
    problem: {
      type: problemType('count-changed'),
      title: 'Count changed',
      status: 409,
      detail: error.message,
      matched: error.matched,
    },
  }),
  'job-already-exists': conflict,
  'token-exists': conflict,
  'job-conflict': conflict,
  'illegal-transition': conflict,
  // Processing outcomes: a handler that lets one escape has a bug, which clients only see as a 500.
  'permanent-job-failure': 'internal',
  'transient-job-failure': 'internal',
};

/** Powertools' idempotency errors are not ours; each is answered as the domain situation it stands for. */
function idempotencyAnswer(error: unknown, log: JobLog): ProblemAnswer | undefined {
  if (error instanceof IdempotencyValidationError) {
    return {
      problem: {
        type: problemType('idempotency-key-reused'),
        title: 'Idempotency key reused',
        status: 422,
        detail: 'This Idempotency-Key was already used with a different request; use a new key for a new job',
        errors: [{ field: 'Idempotency-Key', message: 'was used with a different body or path' }],
      },
    };
  }
  if (error instanceof IdempotencyAlreadyInProgressError) {
    return retryAfter(1, {
      type: problemType('idempotency-key-in-progress'),
      title: 'Request in progress',
      status: 409,
      detail: 'A request with this Idempotency-Key is still being processed; retry shortly',
    });
  }
  if (error instanceof IdempotencyPersistenceLayerError) {
    return domainAnswer(new DependencyUnavailableError('DynamoDB (idempotency)', 1, { cause: error }), log);
  }
  return undefined;
}

function domainAnswer(error: JobsError, log: JobLog): ProblemAnswer | undefined {
  const entry = (problems as Readonly<Record<string, ProblemTable[keyof ProblemTable] | undefined>>)[error.code];
  if (entry === undefined || entry === 'internal') return undefined;
  // The table is keyed by code and each code belongs to one class, so the entry takes this error.
  return (entry as (error: JobsError, log: JobLog) => ProblemAnswer)(error, log);
}

/** Maps domain errors to RFC 9457 responses; anything unexpected is a 500 that reveals nothing. */
export function toProblemResponse(error: unknown, log: JobLog): APIGatewayProxyResult {
  if (error instanceof HttpProblemError) return problemResponse(error.toProblem(), error.headers);
  const answer = error instanceof JobsError ? domainAnswer(error, log) : idempotencyAnswer(error, log);
  if (answer) return problemResponse(answer.problem, answer.headers);
  log.error('Unhandled error', {
    error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error),
  });
  return problemResponse({
    type: problemType('internal'),
    title: 'Internal Server Error',
    status: 500,
    detail: 'Something went wrong on our side',
  });
}

/** Middy error handler: every failure leaves as application/problem+json. */
export function problemDetails(log: JobLog): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: async (request) => {
      request.response = toProblemResponse(request.error, log);
    },
  };
}
