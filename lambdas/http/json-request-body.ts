import type { APIGatewayProxyEvent } from 'aws-lambda';
import { HttpProblemError } from './problem';

/** SQS accepts 256 KiB per message; the API holds job bodies to the same bound. */
export const MAX_BODY_BYTES = 256 * 1024;

function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value ?? undefined;
  }
  return undefined;
}

export function requestHeader(event: APIGatewayProxyEvent, name: string): string | undefined {
  return header(event, name);
}

/** The request's JSON body, or a 4xx problem naming what is wrong with it. */
export function parseJsonBody(event: APIGatewayProxyEvent): unknown {
  const contentType = header(event, 'content-type');
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (!mediaType || !(mediaType === 'application/json' || mediaType.endsWith('+json'))) {
    throw new HttpProblemError(
      415,
      'unsupported-media-type',
      'Unsupported Media Type',
      'Send the body as application/json',
      {
        errors: [{ field: 'Content-Type', message: `must be application/json, got ${contentType ?? 'none'}` }],
      },
    );
  }
  const raw =
    event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64') : Buffer.from(event.body ?? '', 'utf8');
  if (raw.byteLength > MAX_BODY_BYTES) {
    throw new HttpProblemError(
      413,
      'body-too-large',
      'Content Too Large',
      `The body is ${raw.byteLength} bytes; the limit is ${MAX_BODY_BYTES}`,
      {
        errors: [{ field: '(body)', message: `must be at most ${MAX_BODY_BYTES} bytes` }],
      },
    );
  }
  if (raw.byteLength === 0) {
    throw new HttpProblemError(400, 'malformed-json', 'Malformed JSON', 'The request has no body', {
      errors: [{ field: '(body)', message: 'must be a JSON object' }],
    });
  }
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new HttpProblemError(
      400,
      'malformed-json',
      'Malformed JSON',
      `The body is not valid JSON: ${(error as Error).message}`,
      {
        errors: [{ field: '(body)', message: 'must be valid JSON' }],
      },
    );
  }
}
