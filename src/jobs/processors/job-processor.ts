import type { JobPayload, JobType } from '../job';

/** Runs one attempt of a job and returns its result; throws TransientJobError or PermanentJobError. */
export type JobProcessor = (payload: JobPayload, attempt: number) => Promise<Record<string, unknown>>;

export type JobProcessors = Record<JobType, JobProcessor>;
