import type { APIGatewayProxyResult } from 'aws-lambda';
import { jsonResponse } from '../http/json-response';

const websocketUrl = process.env.WEBSOCKET_API_URL;

/** `GET /health`: the API and its functions are up; also where to subscribe to changes (the WebSocket API). */
export const handler = async (): Promise<APIGatewayProxyResult> =>
  jsonResponse(200, { status: 'ok', ...(websocketUrl ? { websocketUrl } : {}) });
