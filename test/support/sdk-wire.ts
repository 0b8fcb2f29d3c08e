import { Readable } from 'node:stream';
import type { HttpHandlerOptions, HttpRequest, HttpResponse, RequestHandler } from '@smithy/types';

export interface WireResponse {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
}

/**
 * An SDK request handler that answers with canned HTTP responses, as the service would put them on
 * the wire: the SDK's own deserialisers turn them into outputs and named errors, so a test learns
 * which error names the SDK really produces. It records the requests it was sent.
 */
export function cannedResponses(...responses: WireResponse[]) {
  const requests: HttpRequest[] = [];
  const handler: RequestHandler<HttpRequest, HttpResponse, HttpHandlerOptions> = {
    handle: async (request) => {
      requests.push(request);
      const next = responses.shift();
      if (!next) throw new Error(`No canned response left for ${request.method} ${request.path}`);
      const response: HttpResponse = {
        statusCode: next.statusCode,
        headers: { 'content-type': 'application/json', ...next.headers },
        body: Readable.from([Buffer.from(next.body)]),
      };
      return { response };
    },
  };
  return { requestHandler: handler, requests };
}

/** What a test client needs besides its handler: no credentials lookup, no SDK retries. */
export const offlineClientConfig = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
};
