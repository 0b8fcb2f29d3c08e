/** A field the server refused, and why. */
export interface InvalidField {
  field: string;
  message: string;
}

/** RFC 9457 problem details: every non-2xx answer of the API. */
export interface Problem {
  /** A URN such as `urn:serverless-jobs:problem:validation`. */
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: InvalidField[];
  [extension: string]: unknown;
}

/**
 * Reads a problem from an error response; an answer that is not one (a proxy's HTML page, an
 * empty body) becomes an `about:blank` problem with the status and what the body said.
 */
export function toProblem(status: number, statusText: string, bodyText: string): Problem {
  try {
    const parsed: unknown = JSON.parse(bodyText);
    if (parsed && typeof parsed === 'object' && typeof (parsed as Problem).title === 'string') {
      const problem = parsed as Problem;
      return {
        ...problem,
        type: typeof problem.type === 'string' ? problem.type : 'about:blank',
        status: typeof problem.status === 'number' ? problem.status : status,
        detail: typeof problem.detail === 'string' ? problem.detail : '',
      };
    }
  } catch {
    // not JSON: described below
  }
  const text = bodyText.trim();
  return {
    type: 'about:blank',
    title: statusText || `HTTP ${status}`,
    status,
    detail: text ? text.slice(0, 500) : `The server answered ${status} with no problem details`,
  };
}
