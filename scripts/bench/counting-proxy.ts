/**
 * A pass-through HTTP proxy in front of an emulator that counts the AWS calls going through it by
 * operation and resource (table or queue name), e.g. `DynamoDB.UpdateItem JobsTable…`. Used by
 * the profiling run to count the calls each job costs.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountingProxy {
  url: string;
  counts(): Map<string, number>;
  reset(): void;
  close(): Promise<void>;
}

/** `DynamoDB_20120810.PutItem` → `DynamoDB.PutItem`; `AmazonSQS.SendMessage` → `SQS.SendMessage`. */
function operationOf(target: string | undefined, body: string): string {
  if (target) {
    const [service = '', operation = ''] = target.split('.');
    return `${service.replace(/_\d+$/, '').replace(/^AmazonSQS$/, 'SQS')}.${operation}`;
  }
  const action = /(?:^|&)Action=([^&]+)/.exec(body)?.[1];
  return action ? `SQS.${action}` : 'unknown';
}

function resourceOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as {
      TableName?: string;
      QueueUrl?: string;
      StreamArn?: string;
      ShardIterator?: string;
      RequestItems?: Record<string, unknown>;
    };
    if (parsed.TableName) return parsed.TableName;
    if (parsed.QueueUrl) return parsed.QueueUrl.slice(parsed.QueueUrl.lastIndexOf('/') + 1);
    if (parsed.RequestItems) return Object.keys(parsed.RequestItems).join('+');
    if (parsed.StreamArn) return 'stream';
    if (parsed.ShardIterator) return 'stream';
  } catch {
    const queueUrl = /(?:^|&)QueueUrl=([^&]+)/.exec(body)?.[1];
    if (queueUrl) {
      const decoded = decodeURIComponent(queueUrl);
      return decoded.slice(decoded.lastIndexOf('/') + 1);
    }
  }
  return '';
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const targetUrl = new URL(target);
  let counts = new Map<string, number>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = body.toString();
      const key =
        `${operationOf(request.headers['x-amz-target'] as string | undefined, text)} ${resourceOf(text)}`.trim();
      counts.set(key, (counts.get(key) ?? 0) + 1);
      const upstream = http.request(
        {
          host: targetUrl.hostname,
          port: targetUrl.port,
          method: request.method,
          path: request.url,
          headers: { ...request.headers, host: targetUrl.host },
          agent,
        },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      upstream.on('error', (error) => {
        response.writeHead(502);
        response.end(error.message);
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts: () => new Map(counts),
    reset: () => (counts = new Map()),
    close: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
