import {
  IdempotencyAlreadyInProgressError,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DependencyUnavailableError } from '../../src/jobs/errors/dependency-unavailable-error';
import { IllegalTransitionError } from '../../src/jobs/errors/illegal-transition-error';
import { JobAlreadyExistsError } from '../../src/jobs/errors/job-already-exists-error';
import { JobConflictError } from '../../src/jobs/errors/job-conflict-error';
import { JobContentionError } from '../../src/jobs/errors/job-contention-error';
import { JobNotFoundError } from '../../src/jobs/errors/job-not-found-error';
import { MatchCountChangedError } from '../../src/jobs/errors/match-count-changed-error';
import { PreconditionFailedError } from '../../src/jobs/errors/precondition-failed-error';
import { TokenAlreadyExistsError } from '../../src/jobs/errors/token-already-exists-error';
import { TokenNotFoundError } from '../../src/jobs/errors/token-not-found-error';
import { TooManyLongPollsError } from '../../src/jobs/errors/too-many-long-polls-error';
import { ValidationError } from '../../src/jobs/errors/validation-error';
import type { JobLog } from '../../src/jobs/ports/job-log';
import { HttpProblemError, problemResponse, problemType } from './problem';

/** Maps domain errors to RFC 9457 responses; anything unexpected is a 500 that reveals nothing. */
export function toProblemResponse(error: unknown, log: JobLog): APIGatewayProxyResult {
  if (error instanceof HttpProblemError) return problemResponse(error.toProblem(), error.headers);
  if (error instanceof ValidationError) {
    return problemResponse({
      type: problemType('validation'),
      title: 'Invalid request',
      status: 400,
      detail: error.message,
      errors: error.fields,
    });
  }
  if (error instanceof DependencyUnavailableError) {
    log.warn('Dependency unavailable', { dependency: error.dependency, cause: String(error.cause) });
    return problemResponse(
      {
        type: problemType('unavailable'),
        title: 'Service Unavailable',
        status: 503,
        detail: `${error.dependency} is busy; nothing was changed. Retry after ${error.retryAfterSeconds} s.`,
      },
      { 'Retry-After': String(error.retryAfterSeconds) },
    );
  }
  if (error instanceof TooManyLongPollsError) {
    return problemResponse(
      {
        type: problemType('too-many-long-polls'),
        title: 'Too Many Requests',
        status: 429,
        detail: `${error.message}. Retry after ${error.retryAfterSeconds} s.`,
        cap: error.cap,
      },
      { 'Retry-After': String(error.retryAfterSeconds) },
    );
  }
  if (error instanceof JobContentionError) {
    return problemResponse(
      {
        type: problemType('contention'),
        title: 'Service Unavailable',
        status: 503,
        detail: `${error.message}; nothing was changed. Retry shortly.`,
      },
      { 'Retry-After': '1' },
    );
  }
  if (error instanceof IdempotencyValidationError) {
    return problemResponse({
      type: problemType('idempotency-key-reused'),
      title: 'Idempotency key reused',
      status: 422,
      detail: 'This Idempotency-Key was already used with a different request; use a new key for a new job',
      errors: [{ field: 'Idempotency-Key', message: 'was used with a different body or path' }],
    });
  }
  if (error instanceof IdempotencyAlreadyInProgressError) {
    return problemResponse(
      {
        type: problemType('idempotency-key-in-progress'),
        title: 'Request in progress',
        status: 409,
        detail: 'A request with this Idempotency-Key is still being processed; retry shortly',
      },
      { 'Retry-After': '1' },
    );
  }
  if (error instanceof IdempotencyPersistenceLayerError) {
    return toProblemResponse(new DependencyUnavailableError('DynamoDB (idempotency)', 1, { cause: error }), log);
  }
  if (error instanceof JobNotFoundError) {
    return problemResponse({
      type: problemType('job-not-found'),
      title: 'Job not found',
      status: 404,
      detail: error.message,
    });
  }
  if (error instanceof TokenNotFoundError) {
    return problemResponse({
      type: problemType('token-not-found'),
      title: 'Token not found',
      status: 404,
      detail: error.message,
    });
  }
  if (error instanceof PreconditionFailedError) {
    return problemResponse(
      { type: problemType('stale-version'), title: 'Precondition Failed', status: 412, detail: error.message },
      { ETag: `"${error.currentVersion}"` },
    );
  }
  if (error instanceof MatchCountChangedError) {
    return problemResponse({
      type: problemType('count-changed'),
      title: 'Count changed',
      status: 409,
      detail: error.message,
      matched: error.matched,
    });
  }
  if (
    error instanceof JobAlreadyExistsError ||
    error instanceof TokenAlreadyExistsError ||
    error instanceof JobConflictError ||
    error instanceof IllegalTransitionError
  ) {
    return problemResponse({ type: problemType('conflict'), title: 'Conflict', status: 409, detail: error.message });
  }
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
