import { ResponseType, type GatewayResponseOptions } from 'aws-cdk-lib/aws-apigateway';

const problem = (
  type: ResponseType,
  statusCode: number,
  slug: string,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): GatewayResponseOptions => ({
  type,
  statusCode: String(statusCode),
  responseHeaders: { 'Content-Type': "'application/problem+json'", ...headers },
  templates: {
    'application/json': JSON.stringify({
      type: `urn:serverless-jobs:problem:${slug}`,
      title,
      status: statusCode,
      detail,
      ...extra,
    }),
  },
});

/**
 * What API Gateway itself answers (before any function runs), as RFC 9457 problems like the
 * functions' own errors, instead of its `{"message": …}` defaults.
 */
export const problemGatewayResponses: Record<string, GatewayResponseOptions> = {
  // API Gateway answers unknown routes with 403 "Missing Authentication Token"; a 404 is what clients expect.
  UnknownRoute: problem(
    ResponseType.MISSING_AUTHENTICATION_TOKEN,
    404,
    'route-not-found',
    'Not Found',
    'No such route',
  ),
  InvalidApiKey: problem(
    ResponseType.INVALID_API_KEY,
    403,
    'api-key',
    'Forbidden',
    'This route needs a valid API key in the x-api-key header',
    { errors: [{ field: 'x-api-key', message: 'must be a valid API key' }] },
  ),
  BadRequestBody: problem(
    ResponseType.BAD_REQUEST_BODY,
    400,
    'malformed-json',
    'Malformed JSON',
    'The body must be a JSON object',
    { errors: [{ field: '(body)', message: 'must be a JSON object' }] },
  ),
  Throttled: problem(
    ResponseType.THROTTLED,
    429,
    'throttled',
    'Too Many Requests',
    'The usage plan limit was reached; retry shortly',
    {},
    { 'Retry-After': "'1'" },
  ),
};
