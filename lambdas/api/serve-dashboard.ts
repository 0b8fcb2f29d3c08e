import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { problemResponse, problemType } from '../http/problem';

/**
 * `GET /dashboard` (the page) and `GET /dashboard/{file}` (its script, styles and icon). The
 * assets are built next to this bundle by lib/constructs/dashboard-function.ts and read once, at
 * cold start. The page loads its assets with relative URLs carrying a content hash (`?v=`), so
 * they can be cached for good while the page itself is revalidated on every visit.
 */

interface Asset {
  body: string;
  contentType: string;
  etag: string;
}

function readAsset(file: string, contentType: string): Asset {
  const body = readFileSync(new URL(`./dashboard/${file}`, import.meta.url), 'utf8');
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` };
}

const files: Record<string, Asset> = {
  'app.js': readAsset('app.js', 'text/javascript; charset=utf-8'),
  'app.css': readAsset('app.css', 'text/css; charset=utf-8'),
  'favicon.svg': readAsset('favicon.svg', 'image/svg+xml'),
};
const versionOf = (file: string) => files[file]!.etag.slice(1, -1);
/** The WebSocket API the page follows changes over (the stack sets it, as for GET /health). */
const websocketUrl = process.env.WEBSOCKET_API_URL;
const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
const pageHtml = readFileSync(new URL('./dashboard/index.html', import.meta.url), 'utf8')
  .replace(
    /dashboard\/(app\.js|app\.css|favicon\.svg)/g,
    (reference, file: string) => `${reference}?v=${versionOf(file)}`,
  )
  .replace(
    '<meta name="websocket-url" content="" />',
    `<meta name="websocket-url" content="${escapeAttribute(websocketUrl ?? '')}" />`,
  );
const page: Asset = { ...readAsset('index.html', 'text/html; charset=utf-8'), body: pageHtml };
page.etag = `"${createHash('sha256').update(pageHtml).digest('base64url').slice(0, 16)}"`;

/** No inline script or style, nothing from elsewhere; API calls go to this origin and the WebSocket API only. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  // The WebSocket API is another origin (its own API Gateway endpoint); nothing else is.
  `connect-src 'self'${websocketUrl ? ` ${new URL(websocketUrl).origin}` : ''}`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

function serve(asset: Asset, cacheControl: string, event: APIGatewayProxyEvent): APIGatewayProxyResult {
  const headers = {
    ...SECURITY_HEADERS,
    'Content-Type': asset.contentType,
    'Cache-Control': cacheControl,
    ETag: asset.etag,
  };
  const ifNoneMatch = Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === 'if-none-match')?.[1];
  if (ifNoneMatch?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === asset.etag)) {
    return { statusCode: 304, headers, body: '' };
  }
  return { statusCode: 200, headers, body: asset.body };
}

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const file = event.pathParameters?.file;
  if (file === undefined) {
    // The page's relative asset URLs need /dashboard, not /dashboard/.
    if (event.path.endsWith('/'))
      return {
        statusCode: 301,
        headers: { Location: '../dashboard', 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' },
        body: '',
      };
    return serve(page, 'no-cache', event);
  }
  const asset = Object.hasOwn(files, file) ? files[file] : undefined;
  if (!asset) {
    return problemResponse({
      type: problemType('not-found'),
      title: 'Not Found',
      status: 404,
      detail: `The dashboard has no file ${file}`,
    });
  }
  const current = event.queryStringParameters?.v === versionOf(file);
  return serve(asset, current ? 'public, max-age=31536000, immutable' : 'public, max-age=300', event);
};
