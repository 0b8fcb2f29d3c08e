/**
 * The authorisation matrix: every route of the synthesized template, called with no token, a token
 * without the route's scope, one with it, a revoked one, and one over its usage plan's rate.
 */
import { randomUUID } from 'node:crypto';
import { api, apiUrl } from '../support/api';
import { localStackOnly } from '../support/targets';
import { templateRoutes, type TemplateRoute } from '../support/template-routes';

const SCOPES = ['jobs:read', 'jobs:submit', 'jobs:operate', 'admin'];
const routes = templateRoutes();
const tokenRoutes = routes.filter((route) => route.authorized);

async function createToken(scopes: string[]): Promise<{ id: string; token: string }> {
  const { status, body } = await api<{ id: string; token: string }>('/tokens', {
    method: 'POST',
    json: { name: 'authorisation matrix', scopes },
  });
  expect(status).toBe(201);
  return body;
}

/** A request to the route that a function would answer harmlessly (a 4xx of its own, or a no-op). */
function call(route: TemplateRoute, token: string | undefined): Promise<Response> {
  const path = route.resourcePath.replace('{id}', randomUUID()).replace('{type}', 'email');
  const hasBody = ['POST', 'PUT'].includes(route.httpMethod);
  return fetch(apiUrl(path), {
    method: route.httpMethod,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
    },
    ...(hasBody ? { body: '{}' } : {}),
  });
}

const label = (route: TemplateRoute) => `${route.httpMethod} ${route.resourcePath} (${route.scope})`;

test('the template has token routes, each with one of the scopes; only a few routes are open', () => {
  expect(tokenRoutes.length).toBeGreaterThan(15);
  for (const route of tokenRoutes) expect(SCOPES).toContain(route.scope);
  const open = routes.filter((route) => !route.authorized).map((r) => `${r.httpMethod} ${r.resourcePath}`);
  expect(open.sort()).toEqual(['GET /dashboard', 'GET /dashboard/{file}', 'GET /health', 'GET /openapi.json']);
});

describe.each(tokenRoutes.map((route) => [label(route), route] as const))('%s', (_label, route) => {
  test('without a token: 401 naming Authorization', async () => {
    const response = await call(route, undefined);
    expect(response.status).toBe(401);
    const problem = (await response.json()) as { errors: { field: string }[] };
    expect(problem.errors[0]?.field).toBe('Authorization');
  });

  test('with every scope but its own: 403', async () => {
    const { token } = await createToken(SCOPES.filter((scope) => scope !== route.scope));
    expect((await call(route, token)).status).toBe(403);
  });

  test('with its scope: reaches the function', async () => {
    const { token } = await createToken([route.scope ?? '']);
    const response = await call(route, token);
    expect([401, 403, 429, 500, 502]).not.toContain(response.status);
    expect(response.headers.get('x-amzn-errortype')).toBeNull();
  });

  test('revoked: 403', async () => {
    const { id, token } = await createToken([route.scope ?? '']);
    expect((await api(`/tokens/${id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await call(route, token)).status).toBe(403);
  });

  localStackOnly(
    'over its rate limit: 429 with Retry-After',
    async () => {
      // Drained through a request API Gateway refuses after metering it (a body that is not an object).
      const { token } = await createToken([route.scope ?? '', 'jobs:submit']);
      const drain = () =>
        fetch(apiUrl('/jobs/email'), {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '[]',
        });
      // Drain until the bucket refuses a drain, then send the route's requests at once: a refill
      // (rate per second) can admit at most one of them, so the others are refused.
      let throttled: Response | undefined;
      for (let wave = 0; wave < 60 && !throttled; wave++) {
        const drained = await Promise.all(Array.from({ length: 20 }, drain));
        if (!drained.some((response) => response.status === 429)) continue;
        const answers = await Promise.all(Array.from({ length: 5 }, () => call(route, token)));
        throttled = answers.find((response) => response.status === 429);
      }
      expect(throttled?.headers.get('retry-after')).toBe('1');
      expect(((await throttled?.json()) as { title: string }).title).toBe('Too Many Requests');
    },
    90_000,
  );
});

test('the legacy x-api-key header is accepted as a token', async () => {
  const { token } = await createToken(['jobs:read']);
  const response = await fetch(apiUrl('/job-types'), { headers: { 'x-api-key': token } });
  expect(response.status).toBe(200);
});

test('GET /tokens lists tokens without their secrets or hashes', async () => {
  const created = await createToken(['jobs:read']);
  const { status, body } = await api<{ tokens: Record<string, unknown>[] }>('/tokens');
  expect(status).toBe(200);
  const listed = body.tokens.find((t) => t.id === created.id);
  expect(listed).toEqual({
    id: created.id,
    name: 'authorisation matrix',
    scopes: ['jobs:read'],
    createdAt: expect.any(String),
  });
  expect(JSON.stringify(body)).not.toContain(created.token);
});
