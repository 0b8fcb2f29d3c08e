import { compileErrors, validate } from '@readme/openapi-parser';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { z } from 'zod';
import { JobsStack } from '../../lib/jobs-stack';
import type * as schemas from '../../src/api/api-schemas';
import { openApiDocument, PROBLEM_TYPE_BASE } from '../../src/api/openapi-document';
import type { RouteScopes } from '../../src/tokens/token-scopes';
import type { Job, JobHistoryEntry } from '../../src/client/job';
import type { JobPage } from '../../src/client/job-list';
import type { JobStatusChange, JobStatusSnapshot } from '../../src/client/job-status';
import type { JobTypesSummary } from '../../src/client/job-types';
import type { Problem } from '../../src/client/problem';
import type { QueuesSummary, RedriveResult } from '../../src/client/queues';
import { jobTypes } from '../../src/job-types';
import { JobTypeRegistry } from '../../src/jobs/job-type-registry';

// What the document says the API answers is what the typed client declares: checked by the compiler.
type Fits<Documented, Declared> = [Documented] extends [Declared] ? true : false;
const documentedAsDeclared: [
  Fits<z.output<typeof schemas.jobSchema>, Job>,
  Fits<z.output<typeof schemas.jobHistoryEntrySchema>, JobHistoryEntry>,
  Fits<z.output<typeof schemas.jobPageSchema>, JobPage>,
  Fits<z.output<typeof schemas.jobStatusSnapshotSchema>, JobStatusSnapshot>,
  Fits<z.output<typeof schemas.jobStatusChangeSchema>, JobStatusChange>,
  Fits<z.output<typeof schemas.queuesSummarySchema>, QueuesSummary>,
  Fits<z.output<typeof schemas.redriveResultSchema>, RedriveResult>,
  Fits<z.output<typeof schemas.problemSchema>, Problem>,
  Fits<z.output<typeof schemas.jobTypesListSchema>, JobTypesSummary>,
] = [true, true, true, true, true, true, true, true, true];

const registry = new JobTypeRegistry(jobTypes);
const stackTemplate = Template.fromStack(
  new JobsStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'OpenApiTest'),
);
/** The authorizer's route → scope table, as the stack gives it to the functions. */
const routeScopes = JSON.parse(
  Object.values(
    stackTemplate.findResources('AWS::Lambda::Function') as Record<
      string,
      { Properties: { Environment?: { Variables?: Record<string, string> } } }
    >,
  )
    .map((fn) => fn.Properties.Environment?.Variables?.ROUTE_SCOPES)
    .find(Boolean) ?? '{}',
) as RouteScopes;
const document = openApiDocument(registry.describe(), { version: '0.0.0-test', routeScopes });

type Resource = { Properties: Record<string, unknown> };

/** `METHOD /path` of every API Gateway method in the synthesized template, paths rebuilt from the resource tree. */
function templateRoutes(template: Template): Set<string> {
  const resources = template.findResources('AWS::ApiGateway::Resource') as Record<string, Resource>;
  const pathOf = (reference: unknown): string => {
    const ref = (reference as { Ref?: string }).Ref;
    if (ref === undefined) return ''; // Fn::GetAtt RestApi.RootResourceId: the root
    const resource = resources[ref];
    if (!resource) throw new Error(`Unknown resource ${ref}`);
    return `${pathOf(resource.Properties.ParentId)}/${resource.Properties.PathPart as string}`;
  };
  const methods = Object.values(template.findResources('AWS::ApiGateway::Method') as Record<string, Resource>);
  return new Set(
    methods.map((method) => `${method.Properties.HttpMethod as string} ${pathOf(method.Properties.ResourceId) || '/'}`),
  );
}

function documentRoutes(): Set<string> {
  return new Set(
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    ),
  );
}

describe('GET /openapi.json document', () => {
  test('the typed client and the documented schemas agree', () => {
    expect(documentedAsDeclared.every(Boolean)).toBe(true);
  });

  test('is a valid OpenAPI 3.1 document', async () => {
    // The parser dereferences in place: give it a copy.
    const result = await validate(structuredClone(document) as Parameters<typeof validate>[0]);
    if (!result.valid) throw new Error(compileErrors(result));
    expect(result.warnings).toEqual([]);
    expect(document.openapi).toMatch(/^3\.1\./);
  });

  test('documents exactly the routes of the synthesized stack', () => {
    const routes = templateRoutes(stackTemplate);
    expect([...documentRoutes()].sort()).toEqual([...routes].sort());
    // Not trivially: every job type's submission and the routes around them are there.
    for (const type of registry.names) expect(routes).toContain(`POST /jobs/${type}`);
    expect(routes).toContain('GET /openapi.json');
    expect(routes).toContain('POST /jobs/{id}/retry');
  });

  test("each type's submission is its registry payload schema plus delay and runAt", () => {
    for (const type of registry.describe()) {
      const name = type.name.replace(/(^|-)([a-z])/g, (_match: string, _dash: string, letter: string) =>
        letter.toUpperCase(),
      );
      const { $schema: _schema, ...payload } = type.payloadSchema;
      expect(document.components.schemas[`${name}Payload`]).toEqual(payload);
      const submission = document.components.schemas[`${name}Submission`] as {
        properties: Record<string, unknown>;
        required?: string[];
      };
      expect(Object.keys(submission.properties).sort()).toEqual(
        [...Object.keys(payload.properties as object), 'delay', 'runAt'].sort(),
      );
      expect(submission.required).toEqual(payload.required);
      const operation = document.paths[`/jobs/${type.name}`]?.post as { requestBody: unknown; security: unknown };
      expect(operation.requestBody).toEqual({
        required: true,
        content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}Submission` } } },
      });
      expect(operation.security).toEqual([{ bearer: ['jobs:submit'] }, { apiKey: ['jobs:submit'] }]);
    }
  });

  test('names every problem type, and each operation answers its problems as application/problem+json', () => {
    const types = document['x-problem-types'].map((problem) => problem.type);
    for (const slug of [
      'validation',
      'job-not-found',
      'unknown-job-type',
      'conflict',
      'throttled',
      'unauthorized',
      'forbidden',
    ])
      expect(types).toContain(PROBLEM_TYPE_BASE + slug);
    const retry = document.paths['/jobs/{id}/retry']?.post as { responses: Record<string, { content?: object }> };
    expect(Object.keys(retry.responses)).toEqual(expect.arrayContaining(['200', '401', '404', '409', '403', '429']));
    expect(retry.responses['409']?.content).toHaveProperty(['application/problem+json']);
  });

  test("each route's security names the scope its authorizer requires; open routes have none", () => {
    const security = (path: string, method: 'get' | 'post' | 'delete') =>
      (document.paths[path]?.[method] as { security: unknown }).security;
    expect(security('/jobs/{id}', 'get')).toEqual([{ bearer: ['jobs:read'] }, { apiKey: ['jobs:read'] }]);
    expect(security('/jobs/{id}/retry', 'post')).toEqual([{ bearer: ['jobs:operate'] }, { apiKey: ['jobs:operate'] }]);
    expect(security('/tokens/{id}', 'delete')).toEqual([{ bearer: ['admin'] }, { apiKey: ['admin'] }]);
    expect(security('/health', 'get')).toEqual([]);
    expect(Object.keys(routeScopes).length).toBeGreaterThan(15);
    const open = openApiDocument(registry.describe(), { version: '0', routeScopes: {} });
    expect((open.paths['/jobs/{id}']?.get as { security: unknown }).security).toEqual([]);
  });
});
