/**
 * What a token may do. Each scope grants only its own routes: a token for a worker that reports
 * external status needs `jobs:operate` (and `jobs:read` to look at jobs), nothing else.
 */
export const TOKEN_SCOPES = ['jobs:read', 'jobs:submit', 'jobs:operate', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export const SCOPE_DESCRIPTIONS: Readonly<Record<TokenScope, string>> = {
  'jobs:read': 'list jobs, read a job and its status (long polls, event streams), stats, queues and job types',
  'jobs:submit': 'submit jobs and create external jobs',
  'jobs:operate':
    'cancel, retry (one or in bulk), redrive dead letters, pause and resume queues, report external status',
  admin: 'create, list and revoke tokens',
};

export function isTokenScope(value: unknown): value is TokenScope {
  return typeof value === 'string' && (TOKEN_SCOPES as readonly string[]).includes(value);
}

/** The scopes a token holds, from its stored or requested form; unknown names are refused by the caller. */
export function unknownScopes(values: readonly unknown[]): string[] {
  return values.filter((value) => !isTokenScope(value)).map(String);
}

/** Whether a token with `held` may call a route that needs `required`. */
export function grants(held: readonly TokenScope[], required: TokenScope): boolean {
  return held.includes(required);
}

/** The route → scope table the CDK route definitions produce: `"GET /jobs/{id}"` → `jobs:read`. */
export type RouteScopes = Readonly<Record<string, TokenScope>>;

export function routeKey(httpMethod: string, resourcePath: string): string {
  return `${httpMethod.toUpperCase()} ${resourcePath}`;
}

/** The scope a route needs; undefined for a route the table does not know (it is then refused). */
export function requiredScope(routes: RouteScopes, httpMethod: string, resourcePath: string): TokenScope | undefined {
  return routes[routeKey(httpMethod, resourcePath)];
}
