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
  // No token at all: the authorizer is not even asked.
  Unauthorized: problem(
    ResponseType.UNAUTHORIZED,
    401,
    'unauthorized',
    'Unauthorized',
    'This route needs a token: send Authorization: Bearer <token>',
    { errors: [{ field: 'Authorization', message: 'must be Bearer <token>' }] },
    { 'WWW-Authenticate': "'Bearer'" },
  ),
  // An unknown or revoked token, or one without the scope of the route.
  AccessDenied: problem(
    ResponseType.ACCESS_DENIED,
    403,
    'forbidden',
    'Forbidden',
    'This token is unknown or revoked, or lacks the scope this route needs',
    { errors: [{ field: 'Authorization', message: 'must be a valid token with the scope of the route' }] },
  ),
  // The token's usage-plan key is missing (deleted by hand): the token cannot be metered.
  InvalidApiKey: problem(
    ResponseType.INVALID_API_KEY,
    403,
    'forbidden',
    'Forbidden',
    'This token has no usage-plan key; create a new token',
    { errors: [{ field: 'Authorization', message: 'must be a token with a usage-plan key' }] },
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
    "This token's rate limit was reached; retry shortly",
    {},
    { 'Retry-After': "'1'" },
  ),
  QuotaExceeded: problem(
    ResponseType.QUOTA_EXCEEDED,
    429,
    'quota-exceeded',
    'Too Many Requests',
    "This token's daily quota is used up; it resets at 00:00 UTC",
  ),
};
