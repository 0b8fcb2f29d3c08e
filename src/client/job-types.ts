import type { JobTypeConfig } from '../jobs/job-type-config';

/**
 * The part of JSON Schema (draft 2020-12, as zod 4's `z.toJSONSchema` writes it) that a payload
 * schema uses. Anything else a schema says is kept and passed through untouched.
 */
export interface JsonSchema {
  $schema?: string;
  type?: JsonSchemaTypeName | JsonSchemaTypeName[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: readonly (string | number | boolean | null)[];
  const?: string | number | boolean | null;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  default?: unknown;
  description?: string;
  title?: string;
  [keyword: string]: unknown;
}

export type JsonSchemaTypeName = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

/** One job type as `GET /job-types` describes it. */
export interface JobTypeInfo {
  name: string;
  /** JSON Schema (draft 2020-12) of the payload `POST /jobs/{name}` accepts. */
  payloadSchema: JsonSchema;
  /** Shown as `***` in every answer. */
  sensitiveFields: string[];
  /** Shown partly (`r***@example.com`, `+91******9999`). */
  recipientFields: string[];
  config: JobTypeConfig;
}

export interface JobTypesSummary {
  jobTypes: JobTypeInfo[];
}
