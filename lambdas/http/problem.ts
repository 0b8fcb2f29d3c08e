import type { APIGatewayProxyResult } from 'aws-lambda';
import type { InvalidField } from '../../src/jobs/errors/validation-error';

/** RFC 9457 problem details. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: InvalidField[];
  [extension: string]: unknown;
}

/** Problem types are URNs: stable identifiers documented in the README, not pages to fetch. */
const PROBLEM_TYPE_BASE = 'urn:serverless-jobs:problem:';

/** An error that already knows how it is shown to HTTP clients. */
export class HttpProblemError extends Error {
  override readonly name = 'HttpProblemError';
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  toProblem(): Problem {
    return {
      type: PROBLEM_TYPE_BASE + this.slug,
      title: this.title,
      status: this.status,
      detail: this.detail,
      ...this.extensions,
    };
  }
}

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode: problem.status,
    headers: { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store', ...headers },
    body: JSON.stringify(problem),
  };
}

export function problemType(slug: string): string {
  return PROBLEM_TYPE_BASE + slug;
}
