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

/** How a job type is processed (the registry's declaration, with its defaults filled in). */
export interface JobTypeSettings {
  maxAttempts: number;
  backoff: { baseMs: number; capMs: number };
  batchSize: number;
  maxBatchingWindowSeconds: number;
  maxConcurrency: number;
  timeoutSeconds: number;
  memorySize: number;
}

/** One entry of `GET /job-types`: what a job type accepts and how it runs. */
export interface JobTypeDescription {
  name: string;
  /** The payload's JSON Schema, generated from the type's zod schema. */
  payloadSchema: JsonSchema;
  /** Payload fields masked in every answer, listing and log line. */
  sensitiveFields: string[];
  /** Payload fields that name who receives something (an address, a number). */
  recipientFields: string[];
  config: JobTypeSettings;
}

/** `GET /job-types`. */
export interface JobTypesList {
  jobTypes: JobTypeDescription[];
}
