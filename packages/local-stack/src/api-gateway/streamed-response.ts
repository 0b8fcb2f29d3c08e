import { proxyResultToResponse, type HttpResponse } from './rest-api-event';

/** Lambda's delimiter between an HTTP integration's JSON metadata prelude and its body: 8 NUL bytes. */
const DELIMITER = Buffer.alloc(8);

export type StreamedHead = Omit<HttpResponse, 'body'>;

/**
 * Reads a Lambda response stream as API Gateway does for a STREAM integration: the JSON metadata
 * prelude (statusCode, headers, multiValueHeaders, cookies) up to the 8-NUL delimiter, then body
 * bytes as they come. `push` returns the head once it is complete (with the body bytes that came
 * with it), body bytes after that; `malformed` says the prelude is not one API Gateway accepts.
 */
export class StreamedResponseReader {
  private pending: Buffer = Buffer.alloc(0);
  private head: StreamedHead | undefined;
  malformed = false;

  /** What this chunk completes: the head (once) and body bytes. */
  push(chunk: Uint8Array): { head?: StreamedHead; body?: Buffer } {
    if (this.head) return { body: Buffer.from(chunk) };
    if (this.malformed) return {};
    this.pending = Buffer.concat([this.pending, chunk]);
    const end = this.pending.indexOf(DELIMITER);
    if (end === -1) return {};
    const head = parseHead(this.pending.subarray(0, end).toString('utf8'));
    if (!head) {
      this.malformed = true;
      return {};
    }
    this.head = head;
    const body = this.pending.subarray(end + DELIMITER.length);
    this.pending = Buffer.alloc(0);
    return { head, ...(body.length > 0 ? { body } : {}) };
  }

  get headRead(): boolean {
    return this.head !== undefined;
  }
}

function parseHead(text: string): StreamedHead | undefined {
  let prelude: unknown;
  try {
    prelude = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof prelude !== 'object' || prelude === null) return undefined;
  const { cookies, ...metadata } = prelude as { cookies?: unknown };
  const response = proxyResultToResponse({ ...metadata, body: '' });
  if (!response) return undefined;
  if (Array.isArray(cookies) && cookies.length > 0) response.headers['Set-Cookie'] = cookies.map(String);
  return { statusCode: response.statusCode, headers: response.headers };
}
