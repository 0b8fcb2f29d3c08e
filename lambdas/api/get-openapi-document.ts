import type { APIGatewayProxyResult } from 'aws-lambda';
import packageJson from '../../package.json' with { type: 'json' };
import { openApiDocument } from '../../src/api/openapi-document';
import type { RouteScopes } from '../../src/tokens/token-scopes';
import { declaredJobTypes } from '../commons/job-types';
import { jsonResponse } from '../http/json-response';

// Built once per execution environment: the job types and the stack's settings do not change while it runs.
const document = openApiDocument(declaredJobTypes().describe(), {
  version: packageJson.version,
  routeScopes: JSON.parse(process.env.ROUTE_SCOPES ?? '{}') as RouteScopes,
});

/** `GET /openapi.json`: the API's OpenAPI 3.1 document, this deployment's job types included. */
export const handler = async (): Promise<APIGatewayProxyResult> =>
  jsonResponse(200, document, { 'Cache-Control': 'max-age=300' });
