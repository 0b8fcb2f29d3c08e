/**
 * The fuzz run. Routes come from the running stack's own GET /openapi.json (which a CDK test keeps
 * equal to the synthesized template's); fast-check generates requests over them: documented and
 * undocumented methods, path ids (real ones, `.`, `..`, encoded slashes, reserved namespaces,
 * long, unicode), query strings, headers (content types, API keys, Idempotency-Key, If-Match) and
 * bodies (payload-shaped objects with hostile values, arbitrary JSON, broken JSON, deep nesting).
 *
 * Each answer must be < 500, and every 4xx an application/problem+json problem that names what it
 * refused. "Naming the field" means:
 * - a problem about a part of the request (400, 403, 413, 415, 422) has `errors`: one entry per
 *   refused field, header or query parameter, with its `field` (`(body)` for the body as a whole)
 *   and a `message`;
 * - a problem about the state of a resource (404, 409, 412, 429) has a `detail` saying what was
 *   not found or not allowed: there is no field at fault;
 * - and in every case `type` is one of the document's x-problem-types and `status` the HTTP status.
 *
 * A 504 (the gateway's integration timeout: a function outran its Timeout) is sent once more after
 * a pause: on a loaded laptop cold starts can outlast a 10 s timeout. It counts as a figure when
 * the second answer keeps the rules, and as a violation when it does not. A 429 of the usage
 * plan's rate limit (type `…:throttled`) is sent again after its Retry-After, up to
 * THROTTLED_TRIES times, so that every generated request reaches the handlers and is judged on
 * their answer; the re-sends are counted.
 */
import fc from 'fast-check';
import { forEachConcurrently, send, type HttpAnswer } from './http';

type JsonObject = Record<string, unknown>;

/** How often a request the usage plan throttles is sent, at most. */
const THROTTLED_TRIES = 20;

/** The usage plan's 429 (its rate limit), not a handler's own (too many long polls of a token). */
const isRateLimited = (answer: HttpAnswer) =>
  answer.status === 429 && (answer.json as JsonObject | undefined)?.type === 'urn:serverless-jobs:problem:throttled';

interface Route {
  path: string;
  method: string;
  parameters: { name: string; in: string; schema?: JsonObject }[];
  bodyProperties: string[];
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** The documented route it was generated from. */
  route: string;
}

export interface FuzzViolation {
  request: FuzzRequest;
  status: number;
  reason: string;
  answer: string;
}

export interface FuzzReport {
  requests: number;
  routes: number;
  byStatus: Record<string, number>;
  serverErrors: number;
  badProblems: number;
  violations: FuzzViolation[];
  /** 504s whose re-sent request then kept the rules. */
  timeoutsResent: number;
  /** Requests the usage plan throttled and that were sent again (after Retry-After) until admitted. */
  throttledResent: number;
  durationMs: number;
  seed: number;
}

export interface FuzzRunOptions {
  url: string;
  apiKey: string;
  runs: number;
  seed?: number;
  concurrency?: number;
  log?: (line: string) => void;
}

/** Request-part problems must name each refused field in `errors`. */
const FIELD_STATUSES = new Set([400, 403, 413, 415, 422]);

/** Every route of the OpenAPI document, with its parameters and top-level body fields. */
export function routesOf(document: JsonObject): Route[] {
  const schemas = ((document.components as JsonObject | undefined)?.schemas ?? {}) as Record<string, JsonObject>;
  const resolve = (schema: JsonObject | undefined): JsonObject | undefined => {
    const ref = schema?.$ref;
    return typeof ref === 'string' ? resolve(schemas[ref.split('/').at(-1)!]) : schema;
  };
  const propertiesOf = (schema: JsonObject | undefined): string[] => {
    const resolved = resolve(schema);
    if (!resolved) return [];
    const own = Object.keys((resolved.properties as JsonObject | undefined) ?? {});
    const combined = [
      ...((resolved.allOf as JsonObject[] | undefined) ?? []),
      ...((resolved.anyOf as JsonObject[] | undefined) ?? []),
    ];
    return [...new Set([...own, ...combined.flatMap((part) => propertiesOf(part))])];
  };
  const routes: Route[] = [];
  for (const [path, operations] of Object.entries(document.paths as Record<string, Record<string, JsonObject>>)) {
    for (const [method, operation] of Object.entries(operations)) {
      const content = ((operation.requestBody as JsonObject | undefined)?.content ?? {}) as Record<string, JsonObject>;
      routes.push({
        path,
        method: method.toUpperCase(),
        parameters: (operation.parameters as Route['parameters'] | undefined) ?? [],
        bodyProperties: propertiesOf(content['application/json']?.schema as JsonObject | undefined),
      });
    }
  }
  return routes;
}

const printable = (maxLength: number) => fc.stringMatching(new RegExp(`^[\\x20-\\x7e]{0,${maxLength}}$`));

/** Values no payload field should make the API fall over on. */
function hostileValue(): fc.Arbitrary<unknown> {
  const deep = (depth: number): unknown => (depth === 0 ? 1 : { a: deep(depth - 1) });
  return fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.string(),
    fc.constantFrom(
      1e20,
      -1e308,
      Number.MAX_SAFE_INTEGER + 2,
      5e-324,
      0,
      -0,
      '',
      ' ',
      '\r\n',
      'a\r\nBcc: x@example.com',
      '\u0000',
      '💥'.repeat(300),
      'x'.repeat(70_000),
      null,
      true,
      [],
      {},
      deep(40),
      [deep(33)],
      '2030-01-01T00:00:00Z',
      'not-a-date',
      'success@simulator.amazonses.com',
      'bounce@simulator.amazonses.com',
      '+14155550123',
      'delete_temp',
      'system:x',
      '__proto__',
    ),
    fc.integer(),
    fc.double(),
  );
}

/** A body for a route: its own fields with hostile values, or something that is not its shape at all. */
function bodyFor(route: Route): fc.Arbitrary<string | undefined> {
  const names = [...route.bodyProperties, 'delay', 'runAt', 'status', 'extra', '__proto__', 'constructor'];
  const shaped = fc
    .dictionary(fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 10 })), hostileValue(), { maxKeys: 6 })
    .map((body) => JSON.stringify(body));
  return fc.oneof(
    { weight: 6, arbitrary: shaped },
    { weight: 1, arbitrary: fc.json({ maxDepth: 4 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        '{',
        'null',
        '[]',
        '"x"',
        '{"a":1,"a":2}',
        `${'['.repeat(5000)}${']'.repeat(5000)}`,
        JSON.stringify({ x: 'y'.repeat(300_000) }),
        '{"to":"a@b.co","subject":"s","body":"b"}\u0000',
      ),
    },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

/** Values for a path parameter: real ids beside everything an id should not be. */
function pathValue(name: string, knownIds: readonly string[], jobTypes: readonly string[]): fc.Arbitrary<string> {
  const encoded = (value: fc.Arbitrary<string>) => value.map((v) => encodeURIComponent(v));
  const raw = fc.constantFrom(
    '.',
    '..',
    '%2e',
    '%2e%2e',
    'a%2Fb',
    '%00',
    '%ZZ',
    'system:cleanup',
    'daily-cleanup-2030-01-01',
    'x'.repeat(600),
    '%F0%9F%92%A5',
    ' ',
  );
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...(name === 'type' ? jobTypes : knownIds)) },
    { weight: 2, arbitrary: raw },
    { weight: 2, arbitrary: encoded(fc.string({ minLength: 1, maxLength: 80 })) },
    { weight: 1, arbitrary: fc.uuid() },
  );
}

function queryValue(schema: JsonObject | undefined): fc.Arbitrary<string> {
  const documented = Array.isArray(schema?.enum) ? (schema.enum as unknown[]).map(String) : [];
  return fc.oneof(
    ...(documented.length ? [fc.constantFrom(...documented)] : []),
    fc.integer({ min: -5, max: 30_000 }).map(String),
    fc.constantFrom('', 'abc', '1e3', '-1', '0', '1.5', 'NaN', '99999999999999999999', 'true', '%zz', 'x'.repeat(2000)),
    printable(30),
  );
}

function requestFor(route: Route, apiKey: string, knownIds: readonly string[], jobTypes: readonly string[]) {
  const pathParameters = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
  const queryParameters = route.parameters.filter((p) => p.in === 'query');
  return fc
    .record({
      method: fc.oneof(
        { weight: 8, arbitrary: fc.constant(route.method) },
        { weight: 2, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS') },
      ),
      path: fc.tuple(...pathParameters.map((name) => pathValue(name, knownIds, jobTypes))),
      query: fc.dictionary(
        fc.oneof(
          {
            weight: 4,
            arbitrary: fc.constantFrom(...(queryParameters.length ? queryParameters.map((p) => p.name) : ['q'])),
          },
          { weight: 1, arbitrary: printable(12) },
        ),
        fc.constant(''),
        { maxKeys: 4 },
      ),
      queryValues: fc.array(queryValue(undefined), { minLength: 4, maxLength: 4 }),
      contentType: fc.option(
        fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'APPLICATION/JSON',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/problem+json',
          'application/json; charset=latin1',
          '',
        ),
        { freq: 5 },
      ),
      apiKey: fc.oneof(
        { weight: 18, arbitrary: fc.constant(apiKey) },
        fc.constant(undefined),
        fc.constant('wrong-key'),
      ),
      idempotencyKey: fc.option(printable(300), { freq: 3 }),
      ifMatch: fc.option(fc.oneof(fc.constantFrom('"1"', '"2"', '*', 'W/"1"', '"abc"', '""'), printable(20)), {
        freq: 4,
      }),
      ifNoneMatch: fc.option(fc.constantFrom('"1"', '"999"', 'x'), { freq: 8 }),
      accept: fc.option(fc.constantFrom('application/json', 'text/html', '*/*', 'application/xml'), { freq: 4 }),
      body: bodyFor(route),
    })
    .map((generated): FuzzRequest => {
      let index = 0;
      const path = route.path.replace(/\{(\w+)\}/g, () => generated.path[index++] ?? 'x');
      const query = Object.keys(generated.query)
        .map((name, i) => {
          const schema = queryParameters.find((p) => p.name === name)?.schema;
          const value =
            schema && Array.isArray(schema.enum) && i % 2 === 0 ? String(schema.enum[0]) : generated.queryValues[i]!;
          return `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
        })
        .join('&');
      const headers: Record<string, string> = {};
      if (generated.apiKey !== undefined) headers['x-api-key'] = generated.apiKey;
      if (generated.contentType !== null) headers['content-type'] = generated.contentType;
      if (generated.idempotencyKey !== null) headers['idempotency-key'] = generated.idempotencyKey;
      if (generated.ifMatch !== null) headers['if-match'] = generated.ifMatch;
      if (generated.ifNoneMatch !== null) headers['if-none-match'] = generated.ifNoneMatch;
      if (generated.accept !== null) headers.accept = generated.accept;
      const withBody = !['GET', 'HEAD'].includes(generated.method) && generated.body !== undefined;
      return {
        method: generated.method,
        path: query ? `${path}?${query}` : path,
        headers,
        ...(withBody ? { body: generated.body } : {}),
        route: `${route.method} ${route.path}`,
      };
    });
}

/** Why an answer breaks the rules, or undefined when it keeps them. */
export function problemViolation(
  answer: HttpAnswer,
  problemTypes: ReadonlySet<string>,
  method: string,
): string | undefined {
  if (answer.status >= 500) return `answered ${answer.status}`;
  if (answer.status < 400 || method === 'HEAD') return undefined;
  const contentType = answer.headers.get('content-type') ?? '';
  if (!contentType.startsWith('application/problem+json'))
    return `a ${answer.status} as ${contentType || 'no content type'}`;
  const problem = answer.json as
    | { type?: unknown; status?: unknown; detail?: unknown; errors?: { field?: unknown; message?: unknown }[] }
    | undefined;
  if (!problem || typeof problem !== 'object') return 'a problem body that is not a JSON object';
  if (typeof problem.type !== 'string' || !problemTypes.has(problem.type))
    return `undocumented problem type ${String(problem.type)}`;
  if (problem.status !== answer.status) return `problem status ${String(problem.status)} on a ${answer.status}`;
  if (FIELD_STATUSES.has(answer.status)) {
    const errors = problem.errors;
    if (!Array.isArray(errors) || errors.length === 0) return `a ${answer.status} that names no field`;
    if (errors.some((e) => typeof e.field !== 'string' || e.field === '' || typeof e.message !== 'string'))
      return `a ${answer.status} with an unnamed field`;
  } else if (typeof problem.detail !== 'string' || problem.detail === '') return `a ${answer.status} without a detail`;
  return undefined;
}

export async function runFuzz(options: FuzzRunOptions): Promise<FuzzReport> {
  const log = options.log ?? (() => {});
  const startedAt = Date.now();
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const headers = { 'x-api-key': options.apiKey, 'content-type': 'application/json' };
  const document = (await send(`${options.url}/openapi.json`, { headers })).json as JsonObject;
  const routes = routesOf(document);
  const problemTypes = new Set(((document['x-problem-types'] ?? []) as { type: string }[]).map((p) => p.type));
  const jobTypes = routes.flatMap((route) => /^\/jobs\/([a-z][\w-]*)$/.exec(route.path)?.[1] ?? []);

  // A few real jobs, so that ids reach the handlers' own code and not only the not-found path.
  const knownIds: string[] = [];
  for (const [path, body] of [
    ['/jobs/email', { to: 'success@simulator.amazonses.com', subject: 'Fuzz', body: 'seed' }],
    ['/jobs/sms', { phone: '+15005551001', message: 'seed' }],
    ['/jobs', {}],
  ] as const) {
    const id = (
      ((await send(`${options.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) })).json ?? {}) as {
        id?: unknown;
      }
    ).id;
    if (typeof id === 'string') knownIds.push(id);
  }
  if (knownIds.length === 0) knownIds.push('no-such-job');

  const arbitrary = fc.oneof(...routes.map((route) => requestFor(route, options.apiKey, knownIds, jobTypes)));
  const requests = fc.sample(arbitrary, { numRuns: options.runs, seed });
  log(`fuzz: ${requests.length} requests over ${routes.length} routes (seed ${seed})…`);

  const byStatus: Record<string, number> = {};
  const violations: FuzzViolation[] = [];
  let done = 0;
  let timeoutsResent = 0;
  let throttledResent = 0;
  const sendRequest = (request: FuzzRequest) =>
    send(`${options.url}${request.path}`, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      signal: AbortSignal.timeout(60_000),
    });
  await forEachConcurrently(requests, options.concurrency ?? 8, async (request) => {
    let answer: HttpAnswer;
    try {
      answer = await sendRequest(request);
      for (let tries = 1; isRateLimited(answer) && tries < THROTTLED_TRIES; tries++) {
        if (tries === 1) throttledResent++;
        const seconds = Number(answer.headers.get('retry-after') ?? 1);
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000 * (0.5 + Math.random())));
        answer = await sendRequest(request);
      }
      if (answer.status === 504) {
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        answer = await sendRequest(request);
        if (answer.status !== 504) timeoutsResent++;
      }
    } catch (error) {
      violations.push({ request, status: 0, reason: `no answer: ${(error as Error).message}`, answer: '' });
      return;
    }
    byStatus[answer.status] = (byStatus[answer.status] ?? 0) + 1;
    const reason = problemViolation(answer, problemTypes, request.method);
    if (reason) violations.push({ request, status: answer.status, reason, answer: answer.text.slice(0, 300) });
    if (++done % 1000 === 0) log(`fuzz: ${done} sent, ${violations.length} violations`);
  });
  return {
    requests: requests.length,
    routes: routes.length,
    byStatus,
    serverErrors: violations.filter((v) => v.status >= 500 || v.status === 0).length,
    badProblems: violations.filter((v) => v.status > 0 && v.status < 500).length,
    violations,
    timeoutsResent,
    throttledResent,
    durationMs: Date.now() - startedAt,
    seed,
  };
}

export function formatFuzzReport(report: FuzzReport): string[] {
  const reasons = new Map<string, { count: number; example: FuzzViolation }>();
  for (const violation of report.violations) {
    const key = `${violation.request.route}: ${violation.reason}`;
    const seen = reasons.get(key);
    if (seen) seen.count++;
    else reasons.set(key, { count: 1, example: violation });
  }
  return [
    `requests: ${report.requests} over ${report.routes} routes (seed ${report.seed}) in ${(report.durationMs / 1000).toFixed(1)} s`,
    `answers: ${Object.entries(report.byStatus)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([status, n]) => `${status} ×${n}`)
      .join(', ')}`,
    `answers ≥ 500: ${report.serverErrors}`,
    `4xx not a problem naming the field: ${report.badProblems}`,
    `504 gateway timeouts that answered when re-sent: ${report.timeoutsResent}`,
    `requests the usage plan throttled (429), sent again after Retry-After: ${report.throttledResent}`,
    ...[...reasons].map(
      ([key, { count, example }]) =>
        `  ${count} × ${key} — e.g. ${example.request.method} ${example.request.path.slice(0, 120)} ${JSON.stringify(example.request.headers)} ${example.request.body?.slice(0, 120) ?? ''} → ${example.answer.slice(0, 200)}`,
    ),
  ];
}
