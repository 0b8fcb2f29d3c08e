/** One job type as `GET /job-types` describes it. */
export interface JobTypeInfo {
  name: string;
  /** JSON Schema (draft 2020-12) of the payload `POST /jobs/{name}` accepts. */
  payloadSchema: Record<string, unknown>;
  /** Shown as `***` in every answer. */
  sensitiveFields: string[];
  /** Shown partly (`r***@example.com`, `+91******9999`). */
  recipientFields: string[];
  config: {
    maxAttempts: number;
    backoff: { baseMs: number; capMs: number };
    batchSize: number;
    maxBatchingWindowSeconds: number;
    maxConcurrency: number;
    timeoutSeconds: number;
    memorySize: number;
  };
}

export interface JobTypesSummary {
  jobTypes: JobTypeInfo[];
}
