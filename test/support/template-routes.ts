import { readFileSync } from 'node:fs';

type Resource = { Type: string; Properties?: Record<string, unknown> };

export interface TemplateRoute {
  httpMethod: string;
  /** e.g. /jobs/{id}/status */
  resourcePath: string;
  /** Whether the method runs a Lambda authorizer (AuthorizationType CUSTOM). */
  authorized: boolean;
  /** The scope the authorizer's route table (its ROUTE_SCOPES) gives the route. */
  scope?: string;
}

/** Every API method of the synthesized product template, with the scope its authorizer requires. */
export function templateRoutes(file = 'cdk.out/ServerlessJobs.template.json'): TemplateRoute[] {
  const { Resources: resources } = JSON.parse(readFileSync(file, 'utf8')) as { Resources: Record<string, Resource> };
  const pathOf = (reference: unknown): string => {
    const ref = (reference as { Ref?: string }).Ref;
    const resource = ref ? resources[ref] : undefined;
    if (!resource) return '';
    return `${pathOf(resource.Properties?.ParentId)}/${String(resource.Properties?.PathPart)}`;
  };
  const authorizer = Object.values(resources).find((r) => r.Type === 'AWS::ApiGateway::Authorizer');
  const functionId = /"Fn::GetAtt":\["([^"]+)","Arn"\]/.exec(
    JSON.stringify(authorizer?.Properties?.AuthorizerUri),
  )?.[1];
  const environment = (resources[functionId ?? '']?.Properties?.Environment as { Variables?: Record<string, string> })
    ?.Variables;
  const scopes = JSON.parse(environment?.ROUTE_SCOPES ?? '{}') as Record<string, string>;
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::ApiGateway::Method')
    .map((method) => {
      const httpMethod = String(method.Properties?.HttpMethod);
      const resourcePath = pathOf(method.Properties?.ResourceId) || '/';
      return {
        httpMethod,
        resourcePath,
        authorized: method.Properties?.AuthorizationType === 'CUSTOM',
        scope: scopes[`${httpMethod} ${resourcePath}`],
      };
    });
}
