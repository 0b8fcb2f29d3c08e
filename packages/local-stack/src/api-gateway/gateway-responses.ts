import type { GatewayResponseDefinition } from './rest-api-routes';
import type { HttpResponse } from './rest-api-event';

/** API Gateway's built-in responses for the errors the local stack produces. */
const DEFAULTS = {
  MISSING_AUTHENTICATION_TOKEN: { statusCode: 403, message: 'Missing Authentication Token' },
  INVALID_API_KEY: { statusCode: 403, message: 'Forbidden' },
  UNAUTHORIZED: { statusCode: 401, message: 'Unauthorized' },
  /** The message says whether the policy denied explicitly: see LambdaAuthorizers. */
  ACCESS_DENIED: { statusCode: 403, message: 'User is not authorized to access this resource' },
  AUTHORIZER_FAILURE: { statusCode: 500, message: 'Internal server error' },
  AUTHORIZER_CONFIGURATION_ERROR: { statusCode: 500, message: 'Internal server error' },
  THROTTLED: { statusCode: 429, message: 'Too Many Requests' },
  QUOTA_EXCEEDED: { statusCode: 429, message: 'Limit Exceeded' },
  BAD_REQUEST_BODY: { statusCode: 400, message: 'Invalid request body' },
  /** The message names the missing parameters: see GatewayErrorDetails.message. */
  BAD_REQUEST_PARAMETERS: { statusCode: 400, message: 'Missing required request parameters' },
  REQUEST_TOO_LARGE: { statusCode: 413, message: 'Request Too Long' },
  DEFAULT_5XX: { statusCode: 502, message: 'Internal server error' },
  INTEGRATION_FAILURE: { statusCode: 502, message: 'Internal server error' },
  INTEGRATION_TIMEOUT: { statusCode: 504, message: 'Endpoint request timed out' },
} satisfies Record<string, { statusCode: number; message: string }>;

export type GatewayErrorType = keyof typeof DEFAULTS;

/** What a particular error adds to its gateway response ($context.error.*). */
export interface GatewayErrorDetails {
  /** Replaces the type's default message ($context.error.message / messageString). */
  message?: string;
  /** $context.error.validationErrorString, e.g. [object has missing required properties (["to"])]. */
  validationErrorString?: string;
  /**
   * The status API Gateway answers for this particular failure unless the template customises the
   * response type: a throttled Lambda (TooManyRequestsException) is an INTEGRATION_FAILURE that
   * answers 500, where a failed invocation answers 502.
   */
  statusCode?: number;
}

/**
 * Builds the response for a gateway error, honouring the template's AWS::ApiGateway::GatewayResponse
 * for that type, else its DEFAULT_4XX / DEFAULT_5XX, else API Gateway's default.
 */
export function gatewayErrorResponse(
  type: GatewayErrorType,
  customized: Map<string, GatewayResponseDefinition>,
  requestId: string,
  details: GatewayErrorDetails = {},
): HttpResponse {
  const builtIn = DEFAULTS[type];
  const message = details.message ?? builtIn.message;
  const custom = customized.get(type) ?? customized.get(builtIn.statusCode >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX');
  const statusCode = custom?.statusCode ?? details.statusCode ?? builtIn.statusCode;
  const body = custom?.template
    ? renderTemplate(custom.template, {
        message,
        type,
        requestId,
        validationErrorString: details.validationErrorString ?? '',
      })
    : JSON.stringify({ message });
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': errorTypeHeader(type), ...custom?.headers },
    body: Buffer.from(body),
  };
}

/**
 * The $context variables gateway response templates commonly use, expanded as API Gateway does:
 * messageString is the message as a JSON string (quotes included); validationErrorString is
 * JSON-escaped without quotes (templates write "$context.error.validationErrorString"); the
 * others are inserted as they are.
 */
export function renderTemplate(
  template: string,
  context: { message: string; type: string; requestId: string; validationErrorString: string },
): string {
  const values: Record<string, string> = {
    'error.messageString': JSON.stringify(context.message),
    'error.message': context.message,
    'error.responseType': context.type,
    'error.validationErrorString': JSON.stringify(context.validationErrorString).slice(1, -1),
    requestId: context.requestId,
  };
  // $context.x or ${context.x} (VTL's formal notation); a longer name is a different variable.
  return template.replace(
    /\$(?:\{context\.([\w.]+)\}|context\.([\w.]*\w))/g,
    (whole, formal?: string, bare?: string) => {
      const value = values[(formal ?? bare)!];
      return value ?? whole;
    },
  );
}

function errorTypeHeader(type: GatewayErrorType): string {
  if (type === 'MISSING_AUTHENTICATION_TOKEN') return 'MissingAuthenticationTokenException';
  if (type === 'INVALID_API_KEY') return 'ForbiddenException';
  if (type === 'UNAUTHORIZED') return 'UnauthorizedException';
  if (type === 'ACCESS_DENIED') return 'AccessDeniedException';
  if (type === 'THROTTLED' || type === 'QUOTA_EXCEEDED') return 'TooManyRequestsException';
  if (type === 'AUTHORIZER_FAILURE' || type === 'AUTHORIZER_CONFIGURATION_ERROR')
    return 'AuthorizerConfigurationException';
  if (type === 'BAD_REQUEST_BODY' || type === 'BAD_REQUEST_PARAMETERS') return 'BadRequestException';
  return 'InternalServerErrorException';
}
