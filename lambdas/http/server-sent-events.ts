import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ValidationError } from '../../src/jobs/errors/validation-error';
import { requestHeader } from './json-request-body';

/**
 * The version a reconnecting client last received: the `Last-Event-ID` header EventSource sends,
 * or a `lastEventId` query parameter for clients that cannot set headers. Either must be a whole
 * number (a job version); anything else is a 400 naming the field.
 */
export function lastEventIdOf(event: APIGatewayProxyEvent): number | undefined {
  const header = requestHeader(event, 'last-event-id');
  const query = event.queryStringParameters?.lastEventId;
  const [field, value] = header !== undefined ? ['Last-Event-ID', header] : ['lastEventId', query];
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^\d{1,15}$/.test(value.trim()))
    throw new ValidationError([{ field, message: 'must be a job version (a whole number)' }]);
  return Number(value.trim());
}

/** One SSE message; `data` is a single line of JSON, so it needs no splitting over `data:` lines. */
export function serverSentEvent(eventName: string, id: number, data: unknown): string {
  return `event: ${eventName}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A comment line: clients ignore it, proxies and API Gateway's idle timeout see traffic. */
export const KEEP_ALIVE = ': keep-alive\n\n';

/** How long EventSource waits before it reconnects after the stream ends. */
export function retryField(ms: number): string {
  return `retry: ${ms}\n\n`;
}
