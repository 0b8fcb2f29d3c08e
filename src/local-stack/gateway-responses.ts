import type { GatewayResponseDefinition } from './rest-api-routes';
import type { HttpResponse } from './rest-api-event';

/** API Gateway's built-in responses for the errors the local stack produces. */
const DEFAULTS: Record<string, { statusCode: number; message: string }> = {
  MISSING_AUTHENTICATION_TOKEN: { statusCode: 403, message: 'Missing Authentication Token' },
  INVALID_API_KEY: { statusCode: 403, message: 'Forbidden' },
  REQUEST_TOO_LARGE: { statusCode: 413, message: 'Request Too Long' },
  DEFAULT_5XX: { statusCode: 502, message: 'Internal server error' },
  INTEGRATION_FAILURE: { statusCode: 502, message: 'Internal server error' },
  INTEGRATION_TIMEOUT: { statusCode: 504, message: 'Endpoint request timed out' },
};

export type GatewayErrorType = keyof typeof DEFAULTS;

/**
 * Builds the response for a gateway error, honouring the template's AWS::ApiGateway::GatewayResponse
 * for that type, else its DEFAULT_4XX / DEFAULT_5XX, else API Gateway's default.
 */
export function gatewayErrorResponse(
  type: GatewayErrorType,
  customized: Map<string, GatewayResponseDefinition>,
  requestId: string,
): HttpResponse {
  const builtIn = DEFAULTS[type]!;
  const custom = customized.get(type) ?? customized.get(builtIn.statusCode >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX');
  const statusCode = custom?.statusCode ?? builtIn.statusCode;
  const body = custom?.template
    ? renderTemplate(custom.template, builtIn.message, type, requestId)
    : JSON.stringify({ message: builtIn.message });
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': errorTypeHeader(type), ...custom?.headers },
    body: Buffer.from(body),
  };
}

/** The few $context variables gateway response templates commonly use. */
function renderTemplate(template: string, message: string, type: string, requestId: string): string {
  return template
    .replaceAll('$context.error.messageString', JSON.stringify(message))
    .replaceAll('$context.error.message', message)
    .replaceAll('$context.error.responseType', type)
    .replaceAll('$context.requestId', requestId);
}

function errorTypeHeader(type: string): string {
  if (type === 'MISSING_AUTHENTICATION_TOKEN') return 'MissingAuthenticationTokenException';
  if (type === 'INVALID_API_KEY') return 'ForbiddenException';
  return 'InternalServerErrorException';
}
