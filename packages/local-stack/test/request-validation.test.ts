/** Request validation and its gateway responses, on hand-written definitions (no emulators, no server). */
import Ajv from 'ajv-draft-04';
import { gatewayErrorResponse, renderTemplate } from '../src/api-gateway/gateway-responses';
import {
  formatValidationErrors,
  modelUrl,
  RequestValidation,
  selectModel,
} from '../src/api-gateway/request-validation';
import { IntrinsicResolver } from '../src/cloudformation/intrinsics';
import {
  readRestApis,
  registerRestApiIds,
  type GatewayResponseDefinition,
  type RestApiModel,
  type RestRoute,
} from '../src/api-gateway/rest-api-routes';
import type { CfnTemplate } from '../src/cloudformation/template';

/** The validationErrorString for data against a draft-04 schema. */
function errorString(schema: object, data: unknown): string {
  const validate = new Ajv({ allErrors: true, verbose: true, strict: false, logger: false }).compile(schema);
  expect(validate(data)).toBe(false);
  return formatValidationErrors(validate.errors ?? []);
}

describe('readRestApis', () => {
  it('reads validators, RequestParameters and RequestModels (by Ref) and models, named or not', () => {
    const template: CfnTemplate = {
      Resources: {
        Api: { Type: 'AWS::ApiGateway::RestApi' },
        Things: {
          Type: 'AWS::ApiGateway::Resource',
          Properties: {
            RestApiId: { Ref: 'Api' },
            ParentId: { 'Fn::GetAtt': ['Api', 'RootResourceId'] },
            PathPart: 'things',
          },
        },
        Validator: {
          Type: 'AWS::ApiGateway::RequestValidator',
          Properties: { RestApiId: { Ref: 'Api' }, ValidateRequestBody: 'true', ValidateRequestParameters: false },
        },
        Unnamed: {
          Type: 'AWS::ApiGateway::Model',
          Properties: { RestApiId: { Ref: 'Api' }, ContentType: 'application/json', Schema: '{"type": "object"}' },
        },
        Method: {
          Type: 'AWS::ApiGateway::Method',
          Properties: {
            RestApiId: { Ref: 'Api' },
            ResourceId: { Ref: 'Things' },
            HttpMethod: 'POST',
            RequestValidatorId: { Ref: 'Validator' },
            RequestModels: { 'Application/JSON': { Ref: 'Unnamed' } },
            RequestParameters: { 'method.request.querystring.q': true, 'method.request.header.X-Opt': false },
            Integration: { Type: 'MOCK' },
          },
        },
        Unvalidated: {
          Type: 'AWS::ApiGateway::Method',
          Properties: { RestApiId: { Ref: 'Api' }, ResourceId: { Ref: 'Things' }, HttpMethod: 'GET' },
        },
      },
    };
    const resolver = new IntrinsicResolver(template, { stackName: 'S', region: 'eu-west-1', accountId: '0' });
    registerRestApiIds(template, resolver);
    const { routes, models } = readRestApis(template, resolver);
    const apiId = resolver.resolveString({ Ref: 'Api' });
    expect(routes.find((r) => r.httpMethod === 'POST')?.validation).toEqual({
      validateBody: true,
      validateParameters: false,
      requiredParameters: [{ location: 'querystring', name: 'q' }],
      requestModels: { 'application/json': 'Unnamed' },
    });
    expect(routes.find((r) => r.httpMethod === 'GET')?.validation).toBeUndefined();
    expect(models).toEqual([{ apiId, name: 'Unnamed', contentType: 'application/json', schema: { type: 'object' } }]);
  });
});

describe('formatValidationErrors', () => {
  it('formats missing and disallowed properties like API Gateway, one message per object', () => {
    const schema = {
      type: 'object',
      required: ['to', 'text', 'at'],
      properties: { to: {}, text: {}, at: {}, nested: { type: 'object', required: ['id'] } },
      additionalProperties: false,
    };
    expect(errorString(schema, { text: 'x' })).toBe('[object has missing required properties (["at","to"])]');
    expect(errorString(schema, { to: 'a', text: 'b', at: 1, zeta: 1, alpha: 2, nested: {} })).toBe(
      '[object instance has properties which are not allowed by the schema: ["alpha","zeta"], object has missing required properties (["id"])]',
    );
  });

  it('formats type, enum, length, pattern, range and array errors', () => {
    const schema = {
      type: 'object',
      properties: {
        count: { type: 'integer' },
        either: { type: ['string', 'null'] },
        status: { enum: ['active', 'inactive'] },
        name: { type: 'string', minLength: 3, maxLength: 5, pattern: '^[a-z]+$' },
        low: { minimum: 0 },
        high: { maximum: 10, exclusiveMaximum: true },
        tags: { type: 'array', minItems: 2, uniqueItems: true },
      },
    };
    expect(
      errorString(schema, { count: 1.5, either: 3, status: 'gone', name: 'A', low: -1, high: 10, tags: ['a'] }),
    ).toBe(
      '[' +
        [
          'instance type (number) does not match any allowed primitive type (allowed: ["integer"])',
          'instance type (integer) does not match any allowed primitive type (allowed: ["null","string"])',
          'instance value ("gone") not found in enum (possible values: ["active","inactive"])',
          'string "A" is too short (length: 1, required minimum: 3)',
          'ECMA 262 regex "^[a-z]+$" does not match input string "A"',
          'numeric instance is lower than the required minimum (minimum: 0, found: -1)',
          'numeric instance is not strictly lower than the required maximum 10',
          'array is too short: must have at least 2 elements but instance has 1 elements',
        ].join(', ') +
        ']',
    );
    expect(errorString({ type: 'object' }, ['not', 'an', 'object'])).toBe(
      '[instance type (array) does not match any allowed primitive type (allowed: ["object"])]',
    );
  });

  it('folds the errors inside a failed anyOf / oneOf into one message', () => {
    const schema = { anyOf: [{ type: 'string' }, { type: 'object', required: ['id'] }] };
    expect(errorString(schema, {})).toBe('[instance failed to match at least one required schema among 2]');
    expect(errorString({ oneOf: [{ type: 'integer' }, { type: 'number' }] }, 1)).toBe(
      '[instance failed to match exactly one schema (matched 2 out of 2)]',
    );
  });
});

describe('selectModel', () => {
  it('matches the media type (parameters and case ignored), then $default; no Content-Type is application/json', () => {
    const models = { 'application/json': 'Json', 'text/csv': 'Csv' };
    expect(selectModel(models, 'Application/JSON; charset=utf-8')).toBe('Json');
    expect(selectModel(models, undefined)).toBe('Json');
    expect(selectModel(models, 'text/plain')).toBeUndefined();
    expect(selectModel({ ...models, $default: 'Any' }, 'text/plain')).toBe('Any');
    expect(selectModel({ $default: 'Any' }, undefined)).toBe('Any');
  });
});

describe('RequestValidation', () => {
  const route = (validation: RestRoute['validation']): RestRoute => ({
    apiId: 'api1',
    stageName: 'prod',
    resourceId: 'r',
    resourcePath: '/things/{id}',
    httpMethod: 'POST',
    apiKeyRequired: false,
    integration: { type: 'MOCK', statusCode: 200, headers: {} },
    validation,
  });
  const models: RestApiModel[] = [
    {
      apiId: 'api1',
      name: 'Thing',
      contentType: 'application/json',
      // Another model of the same API by its API Gateway URL, and a $schema naming another draft.
      schema: {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        required: ['owner'],
        properties: { owner: { $ref: modelUrl('api1', 'Person') } },
      },
    },
    { apiId: 'api1', name: 'Person', schema: { type: 'object', required: ['name'] } },
    { apiId: 'api1', name: 'Broken', schema: { type: 'no-such-type' } },
  ];
  const request = (url: string, body: unknown, headers: string[] = []) => ({
    url,
    rawHeaders: headers,
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  });
  const log: string[] = [];
  const validation = new RequestValidation({ models, routes: [] }, (line) => log.push(line));
  const bodyAndParameters = route({
    validateBody: true,
    validateParameters: true,
    requiredParameters: [
      { location: 'querystring', name: 'q' },
      { location: 'header', name: 'X-Token' },
      { location: 'path', name: 'id' },
    ],
    requestModels: { 'application/json': 'Thing', $default: 'Person', 'text/broken': 'Broken' },
  });
  const match = { route: bodyAndParameters, pathParameters: { id: '1' } };

  it('reports every missing or blank required parameter, headers case-insensitively', () => {
    expect(validation.validate(match, request('/things/1?q=%20', {}, ['x-token', '']))).toEqual({
      type: 'BAD_REQUEST_PARAMETERS',
      message: 'Missing required request parameters: [q, X-Token]',
      validationErrorString: 'Missing required request parameters: [q, X-Token]',
    });
    const valid = request('/things/1?q=1', { owner: { name: 'ann' } }, ['X-TOKEN', 't']);
    expect(validation.validate(match, valid)).toBeUndefined();
  });

  it('validates the body against the content type’s model, following $ref to other models', () => {
    const withParameters = (body: unknown, contentType?: string) =>
      validation.validate(
        match,
        request('/things/1?q=1', body, ['X-Token', 't', ...(contentType ? ['Content-Type', contentType] : [])]),
      );
    expect(withParameters({ owner: {} })).toEqual({
      type: 'BAD_REQUEST_BODY',
      message: 'Invalid request body',
      validationErrorString: '[object has missing required properties (["name"])]',
    });
    expect(withParameters('', 'application/json')?.validationErrorString).toBe(
      '[object has missing required properties (["owner"])]',
    ); // an empty body is validated as {}
    expect(withParameters('{oops', 'application/json')?.type).toBe('BAD_REQUEST_BODY');
    expect(withParameters({}, 'text/plain')?.validationErrorString).toBe(
      '[object has missing required properties (["name"])]',
    ); // the $default model
    expect(withParameters('anything', 'text/broken')).toBeUndefined(); // its model does not compile
    expect(log).toEqual([expect.stringMatching(/^⚠ model Broken: its schema is invalid/)]);
  });

  it('checks only what the validator enables', () => {
    const bodyOnly = { ...match, route: route({ ...bodyAndParameters.validation!, validateParameters: false }) };
    expect(validation.validate(bodyOnly, request('/things/1', { owner: { name: 'x' } }))).toBeUndefined();
    const parametersOnly = { ...match, route: route({ ...bodyAndParameters.validation!, validateBody: false }) };
    expect(validation.validate(parametersOnly, request('/things/1?q=1', 'not json', ['X-Token', 't']))).toBeUndefined();
    expect(validation.validate({ ...match, route: route(undefined) }, request('/things/1', 'x'))).toBeUndefined();
  });
});

describe('gateway responses for validation errors', () => {
  const noCustom = new Map<string, GatewayResponseDefinition>();
  const json = (response: { body: Buffer }) => JSON.parse(response.body.toString()) as unknown;

  it('answers API Gateway’s defaults, or DEFAULT_4XX’s status and headers', () => {
    const body = gatewayErrorResponse('BAD_REQUEST_BODY', noCustom, 'req-1');
    expect(body).toMatchObject({
      statusCode: 400,
      headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': 'BadRequestException' },
    });
    expect(json(body)).toEqual({ message: 'Invalid request body' });
    const default4xx = new Map([['DEFAULT_4XX', { statusCode: 418, headers: { 'X-A': 'b' } }]]);
    const parameters = gatewayErrorResponse('BAD_REQUEST_PARAMETERS', default4xx, 'req-1', {
      message: 'Missing required request parameters: [x]',
    });
    expect(parameters).toMatchObject({ statusCode: 418, headers: { 'X-A': 'b' } });
    expect(json(parameters)).toEqual({ message: 'Missing required request parameters: [x]' });
  });

  it('expands $context.error.* in templates: messageString quoted, validationErrorString JSON-escaped', () => {
    const template =
      '{"m": $context.error.messageString, "raw": "$context.error.message", "v": "$context.error.validationErrorString", ' +
      '"t": "${context.error.responseType}", "id": "$context.requestId", "other": "$context.stage"}';
    const rendered = renderTemplate(template, {
      message: 'Invalid request body',
      type: 'BAD_REQUEST_BODY',
      requestId: 'req-1',
      validationErrorString: '[object has missing required properties (["to"])]',
    });
    expect(JSON.parse(rendered)).toEqual({
      m: 'Invalid request body',
      raw: 'Invalid request body',
      v: '[object has missing required properties (["to"])]',
      t: 'BAD_REQUEST_BODY',
      id: 'req-1',
      other: '$context.stage',
    });
    const custom = new Map([
      ['BAD_REQUEST_BODY', { headers: {}, template: '{"v": "$context.error.validationErrorString"}' }],
    ]);
    expect(json(gatewayErrorResponse('INVALID_API_KEY', custom, 'r'))).toEqual({ message: 'Forbidden' });
    expect(json(gatewayErrorResponse('BAD_REQUEST_BODY', custom, 'r'))).toEqual({ v: '' });
  });
});
