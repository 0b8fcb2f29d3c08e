import type { APIGatewayProxyResult } from 'aws-lambda';
import { jsonResponse } from '../http/json-response';

/** `GET /health`: the API and its functions are up. */
export const handler = async (): Promise<APIGatewayProxyResult> => jsonResponse(200, { status: 'ok' });
