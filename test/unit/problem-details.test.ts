import {
  IdempotencyAlreadyInProgressError,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency';
import { toProblemResponse } from '../../lambdas/http/problem-details';
import { DependencyUnavailableError } from '../../src/jobs/errors/dependency-unavailable-error';
import { IllegalTransitionError } from '../../src/jobs/errors/illegal-transition-error';
import { JobAlreadyExistsError } from '../../src/jobs/errors/job-already-exists-error';
import { JobConflictError } from '../../src/jobs/errors/job-conflict-error';
import { JobContentionError } from '../../src/jobs/errors/job-contention-error';
import { JobNotFoundError } from '../../src/jobs/errors/job-not-found-error';
import { MatchCountChangedError } from '../../src/jobs/errors/match-count-changed-error';
import { PermanentJobError } from '../../src/jobs/errors/permanent-job-error';
import { PreconditionFailedError } from '../../src/jobs/errors/precondition-failed-error';
import { TokenAlreadyExistsError } from '../../src/jobs/errors/token-already-exists-error';
import { TokenNotFoundError } from '../../src/jobs/errors/token-not-found-error';
import { TooManyLongPollsError } from '../../src/jobs/errors/too-many-long-polls-error';
import { ValidationError } from '../../src/jobs/errors/validation-error';

const log = { info: () => {}, warn: () => {}, error: () => {} };
const bodyOf = (response: { body: string }) => JSON.parse(response.body) as Record<string, unknown>;

describe('errors leave the API as RFC 9457 problems', () => {
  test('overload from SQS or DynamoDB is a 503 with Retry-After, never a 500', () => {
    const response = toProblemResponse(new DependencyUnavailableError('SQS', 5), log);
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'Retry-After': '5', 'Content-Type': 'application/problem+json' });
    expect(bodyOf(response)).toMatchObject({ status: 503, title: 'Service Unavailable' });
  });

  test('too many open long polls is a 429 with Retry-After naming the cap', () => {
    const response = toProblemResponse(new TooManyLongPollsError(10, 2), log);
    expect(response.statusCode).toBe(429);
    expect(response.headers).toMatchObject({ 'Retry-After': '2', 'Content-Type': 'application/problem+json' });
    expect(bodyOf(response)).toMatchObject({
      status: 429,
      type: 'urn:serverless-jobs:problem:too-many-long-polls',
      title: 'Too Many Requests',
      cap: 10,
    });
  });

  test('a validation error lists each invalid field with its message', () => {
    const response = toProblemResponse(new ValidationError([{ field: 'phone', message: 'must be E.164' }]), log);
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ errors: [{ field: 'phone', message: 'must be E.164' }] });
  });

  test.each([
    [new JobNotFoundError('x'), 404],
    [new IllegalTransitionError('completed', 'cancelled'), 409],
    [new IdempotencyValidationError('mismatch'), 422],
    [new IdempotencyAlreadyInProgressError('busy'), 409],
    [new IdempotencyPersistenceLayerError('throttled'), 503],
    [new JobAlreadyExistsError('x'), 409],
    [new TokenAlreadyExistsError('t'), 409],
    [new JobConflictError('x'), 409],
    [new TokenNotFoundError('t'), 404],
    [new JobContentionError('x', 5), 503],
  ])('%p is a %i', (error, status) => {
    const response = toProblemResponse(error, log);
    expect(response.statusCode).toBe(status);
    expect(bodyOf(response)).toMatchObject({ status, type: expect.stringMatching(/^urn:serverless-jobs:problem:/) });
  });

  test('a stale If-Match is a 412 whose ETag is the current version', () => {
    const response = toProblemResponse(new PreconditionFailedError('x', 3, 5), log);
    expect(response.statusCode).toBe(412);
    expect(response.headers).toMatchObject({ ETag: '"5"' });
    expect(bodyOf(response)).toMatchObject({ type: 'urn:serverless-jobs:problem:stale-version' });
  });

  test('a bulk retry whose filter now matches another count is a 409 naming the new count', () => {
    const response = toProblemResponse(new MatchCountChangedError(10, 12), log);
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response)).toMatchObject({ type: 'urn:serverless-jobs:problem:count-changed', matched: 12 });
  });

  test('a processing failure that escapes a handler is a 500, not a client error', () => {
    const response = toProblemResponse(new PermanentJobError('bounced'), log);
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('bounced');
  });

  test('an unexpected error is a 500 that reveals nothing about it', () => {
    const response = toProblemResponse(new Error('secret connection string'), log);
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret');
  });
});
