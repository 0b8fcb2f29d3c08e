/**
 * API Gateway's request validation (AWS::ApiGateway::RequestValidator): required request
 * parameters, and the body against the method's AWS::ApiGateway::Model for its content type
 * (JSON Schema draft-04, validated with Ajv's draft-04 class).
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv-draft-04';
import type { GatewayErrorDetails } from './gateway-responses';
import type { RestApiDefinitions, RestApiModel, RouteMatch, RouteValidation } from './rest-api-routes';

/** The parts of a request validation looks at. */
export interface ValidatedRequest {
  /** Path and query as received, e.g. /items/1?x=2. */
  url: string;
  /** Alternating names and values (node's rawHeaders). */
  rawHeaders: string[];
  body: Buffer;
}

export interface ValidationFailure extends GatewayErrorDetails {
  type: 'BAD_REQUEST_PARAMETERS' | 'BAD_REQUEST_BODY';
  message: string;
  validationErrorString: string;
}

/** Where models live for $ref between models of one API, as in API Gateway. */
export function modelUrl(apiId: string, name: string): string {
  return `https://apigateway.amazonaws.com/restapis/${apiId}/models/${name}`;
}

/** Compiles every model of the template once; validates requests against their route's validator. */
export class RequestValidation {
  /** By modelUrl; absent for models whose schema is invalid. */
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(apis: Pick<RestApiDefinitions, 'models' | 'routes'>, log: (line: string) => void) {
    const ajvByApi = new Map<string, Ajv>();
    const added: RestApiModel[] = [];
    const warn = (model: RestApiModel, error: unknown) =>
      log(
        `⚠ model ${model.name}: its schema is invalid, bodies are not validated against it: ${(error as Error).message}`,
      );
    for (const model of apis.models) {
      let ajv = ajvByApi.get(model.apiId);
      if (!ajv) {
        // allErrors: API Gateway reports every violation; verbose: the messages quote the data.
        // Formats are not checked (unknown ones would otherwise warn); strict off: templates carry
        // keywords such as "example" that draft-04 ignores.
        ajv = new Ajv({ allErrors: true, verbose: true, strict: false, validateFormats: false, logger: false });
        ajvByApi.set(model.apiId, ajv);
      }
      try {
        ajv.addSchema(withoutMetaSchema(model.schema), modelUrl(model.apiId, model.name));
        added.push(model);
      } catch (error) {
        warn(model, error);
      }
    }
    // Compiled once all models are added, so that models can $ref one another.
    for (const model of added) {
      const key = modelUrl(model.apiId, model.name);
      try {
        const validate = ajvByApi.get(model.apiId)!.getSchema(key);
        if (validate) this.validators.set(key, validate);
      } catch (error) {
        warn(model, error);
      }
    }
    for (const route of apis.routes) {
      for (const name of Object.values(route.validation?.requestModels ?? {})) {
        if (route.validation?.validateBody && !apis.models.some((m) => m.apiId === route.apiId && m.name === name))
          log(
            `⚠ route ${route.httpMethod} ${route.resourcePath}: no model ${name}, bodies are not validated against it`,
          );
      }
    }
  }

  /** What API Gateway answers instead of invoking the integration, or undefined when the request is valid. */
  validate(match: RouteMatch, request: ValidatedRequest): ValidationFailure | undefined {
    const { route } = match;
    const validation = route.validation;
    if (!validation) return undefined;
    const url = new URL(request.url, 'http://localhost');
    const headers = headerValues(request.rawHeaders);
    if (validation.validateParameters) {
      const missing = missingParameters(validation, url, headers, match.pathParameters ?? {});
      if (missing.length) {
        const message = `Missing required request parameters: [${missing.join(', ')}]`;
        return { type: 'BAD_REQUEST_PARAMETERS', message, validationErrorString: message };
      }
    }
    if (validation.validateBody) {
      const model = selectModel(validation.requestModels, headers.get('content-type')?.[0]);
      const validate = model === undefined ? undefined : this.validators.get(modelUrl(route.apiId, model));
      if (validate) return validateBody(validate, request.body);
    }
    return undefined;
  }
}

/** API Gateway validates against draft-04 whatever $schema says. */
function withoutMetaSchema(schema: unknown): object {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
    throw new Error(`a schema must be a JSON object, got ${JSON.stringify(schema)}`);
  const copy: Record<string, unknown> = { ...schema };
  delete copy.$schema;
  return copy;
}

/** Values by lowercase header name. */
function headerValues(rawHeaders: string[]): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), rawHeaders[i + 1]!]);
  }
  return headers;
}

/** The required parameters that are absent or blank ("included and not blank"), in template order. */
function missingParameters(
  validation: RouteValidation,
  url: URL,
  headers: Map<string, string[]>,
  pathParameters: Record<string, string>,
): string[] {
  const present = (values: (string | undefined)[]) =>
    values.some((value) => value !== undefined && value.trim() !== '');
  return validation.requiredParameters
    .filter(({ location, name }) => {
      if (location === 'querystring' || location === 'multivaluequerystring')
        return !present(url.searchParams.getAll(name));
      if (location === 'header' || location === 'multivalueheader')
        return !present(headers.get(name.toLowerCase()) ?? []);
      if (location === 'path') return !present([pathParameters[name]]);
      return false; // other locations (e.g. method.request.body.x) are not request parameters
    })
    .map(({ name }) => name);
}

/**
 * The model for a request's content type, as API Gateway picks it: the RequestModels entry for
 * its media type (parameters such as charset ignored), else the $default entry; a request without
 * Content-Type counts as application/json. Undefined: no model, the body is not validated.
 */
export function selectModel(
  requestModels: Record<string, string>,
  contentType: string | undefined,
): string | undefined {
  const mediaType = (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  return requestModels[mediaType] ?? requestModels.$default;
}

function validateBody(validate: ValidateFunction, body: Buffer): ValidationFailure | undefined {
  const invalid = (validationErrorString: string): ValidationFailure => ({
    type: 'BAD_REQUEST_BODY',
    message: 'Invalid request body',
    validationErrorString,
  });
  let data: unknown;
  const text = body.toString('utf8').replace(/^\uFEFF/, '');
  try {
    // An empty body is validated as an empty object, as API Gateway does.
    data = text.trim() === '' ? {} : JSON.parse(text);
  } catch (error) {
    return invalid(`[${(error as Error).message}]`);
  }
  if (validate(data)) return undefined;
  return invalid(formatValidationErrors(validate.errors ?? []));
}

/**
 * Ajv's errors as API Gateway's $context.error.validationErrorString, which lists the messages of
 * its validator (java-json-tools' json-schema-validator), e.g.
 * [object has missing required properties (["to"]), instance type (string) does not match any allowed primitive type (allowed: ["integer"])].
 * Missing and disallowed properties of one object make one message, like there; errors inside a
 * failed anyOf/oneOf/not are folded into that keyword's message.
 */
export function formatValidationErrors(errors: ErrorObject[]): string {
  const combinators = errors.filter((e) => ['anyOf', 'oneOf', 'not'].includes(e.keyword));
  const kept = errors.filter(
    (e) =>
      !combinators.some(
        (c) => c !== e && e.schemaPath.startsWith(`${c.schemaPath}/`) && e.instancePath.startsWith(c.instancePath),
      ),
  );
  const messages: string[] = [];
  const grouped = new Map<string, { index: number; names: string[]; render: (names: string[]) => string }>();
  for (const error of kept) {
    const group = groupOf(error);
    if (!group) {
      messages.push(messageFor(error));
      continue;
    }
    const key = `${error.keyword}\u0000${error.instancePath}`;
    let entry = grouped.get(key);
    if (!entry) {
      entry = { index: messages.length, names: [], render: group.render };
      grouped.set(key, entry);
      messages.push('');
    }
    entry.names.push(group.name);
  }
  for (const entry of grouped.values()) messages[entry.index] = entry.render([...new Set(entry.names)].sort());
  return `[${messages.join(', ')}]`;
}

function groupOf(error: ErrorObject): { name: string; render: (names: string[]) => string } | undefined {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required')
    return {
      name: String(params.missingProperty),
      render: (names) => `object has missing required properties (${JSON.stringify(names)})`,
    };
  if (error.keyword === 'additionalProperties')
    return {
      name: String(params.additionalProperty),
      render: (names) => `object instance has properties which are not allowed by the schema: ${JSON.stringify(names)}`,
    };
  return undefined;
}

/** JSON Schema type names as java-json-tools reports an instance's type (integer apart from number). */
function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function messageFor(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const data: unknown = error.data;
  const json = (value: unknown) => JSON.stringify(value);
  const length = (value: unknown) =>
    typeof value === 'string' ? [...value].length : Array.isArray(value) ? value.length : 0;
  switch (error.keyword) {
    case 'type': {
      const allowed = (Array.isArray(params.type) ? params.type : String(params.type).split(',')).map(String).sort();
      return `instance type (${typeOf(data)}) does not match any allowed primitive type (allowed: ${json(allowed)})`;
    }
    case 'enum':
      return `instance value (${json(data)}) not found in enum (possible values: ${json(params.allowedValues)})`;
    case 'minLength':
      return `string ${json(data)} is too short (length: ${length(data)}, required minimum: ${String(params.limit)})`;
    case 'maxLength':
      return `string ${json(data)} is too long (length: ${length(data)}, maximum allowed: ${String(params.limit)})`;
    case 'pattern':
      return `ECMA 262 regex ${json(params.pattern)} does not match input string ${json(data)}`;
    case 'minimum':
    case 'exclusiveMinimum':
      return params.comparison === '>'
        ? `numeric instance is not strictly greater than the required minimum ${String(params.limit)}`
        : `numeric instance is lower than the required minimum (minimum: ${String(params.limit)}, found: ${String(data)})`;
    case 'maximum':
    case 'exclusiveMaximum':
      return params.comparison === '<'
        ? `numeric instance is not strictly lower than the required maximum ${String(params.limit)}`
        : `numeric instance is greater than the required maximum (maximum: ${String(params.limit)}, found: ${String(data)})`;
    case 'multipleOf':
      return `remainder of division is not zero (${String(data)} / ${String(params.multipleOf)})`;
    case 'minItems':
      return `array is too short: must have at least ${String(params.limit)} elements but instance has ${length(data)} elements`;
    case 'maxItems':
      return `array is too long: must have at most ${String(params.limit)} elements but instance has ${length(data)} elements`;
    case 'additionalItems':
      return `array instance has too many elements (at most ${String(params.limit)} allowed)`;
    case 'uniqueItems':
      return 'array must not contain duplicate elements';
    case 'minProperties':
      return `object has too few properties (found ${Object.keys(data ?? {}).length} but schema requires at least ${String(params.limit)})`;
    case 'maxProperties':
      return `object has too many properties (found ${Object.keys(data ?? {}).length} but schema requires at most ${String(params.limit)})`;
    case 'dependencies':
      return `property ${json(params.property)} of object has missing property dependencies (schema requires ${json(String(params.deps).split(', '))}; missing: ${json([params.missingProperty])})`;
    case 'anyOf':
      return `instance failed to match at least one required schema among ${Array.isArray(error.schema) ? error.schema.length : '?'}`;
    case 'oneOf': {
      const passing = Array.isArray(params.passingSchemas) ? params.passingSchemas.length : 0;
      return `instance failed to match exactly one schema (matched ${passing} out of ${Array.isArray(error.schema) ? error.schema.length : '?'})`;
    }
    case 'not':
      return 'instance matched a schema which it should not have';
    default:
      return `${error.instancePath || 'instance'} ${error.message ?? `failed ${error.keyword}`}`;
  }
}
