import * as z from 'zod';
import { ValidationError } from './errors/validation-error';
import { validationErrorOf } from './errors/zod-validation-error';
import type { JobPayload } from './job';
import { payloadStorageProblems } from './storable-payload';

/** Longest delay a job may ask for: SQS holds at most 15 minutes, longer delays are re-delayed. */
export const MAX_DELAY_MS = 7 * 24 * 60 * 60 * 1000;

const timing = {
  delay: z
    .number({ error: 'must be a number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(0, 'must be ≥ 0')
    .max(MAX_DELAY_MS, `must be ≤ ${MAX_DELAY_MS} (7 days)`)
    .optional(),
  runAt: z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2030-01-01T09:00:00Z' })
    .optional(),
};

export interface Submission {
  payload: JobPayload;
  /** When the job becomes due; absent for a job that may run now. */
  runAt?: Date;
}

/** Validates a submission body against a job type's payload schema and works out when the job is due. */
export function parseSubmission(payloadSchema: z.ZodObject, input: unknown, now: Date): Submission {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError([{ field: '(body)', message: 'must be a JSON object' }]);
  }
  const { delay, runAt, ...payloadInput } = input as Record<string, unknown>;
  const timingResult = z.strictObject(timing).safeParse({ delay, runAt });
  const payloadResult = payloadSchema.safeParse(payloadInput);
  const fields = [
    ...(timingResult.success ? [] : validationErrorOf(timingResult.error).fields),
    ...(payloadResult.success ? [] : validationErrorOf(payloadResult.error).fields),
    ...payloadStorageProblems(payloadInput, ''),
  ];
  if (timingResult.success && delay !== undefined && runAt !== undefined) {
    fields.push({ field: 'runAt', message: 'give either delay or runAt, not both' });
  }
  let due: Date | undefined;
  if (timingResult.success && timingResult.data.runAt !== undefined) {
    due = new Date(timingResult.data.runAt);
    if (due.getTime() - now.getTime() > MAX_DELAY_MS) {
      fields.push({ field: 'runAt', message: 'must be at most 7 days ahead' });
    }
  } else if (timingResult.success && timingResult.data.delay !== undefined && timingResult.data.delay > 0) {
    due = new Date(now.getTime() + timingResult.data.delay);
  }
  if (fields.length > 0 || !payloadResult.success) throw new ValidationError(fields);
  const submission: Submission = { payload: payloadResult.data as JobPayload };
  if (due !== undefined && due.getTime() > now.getTime()) submission.runAt = due;
  return submission;
}

/** `delay` and `runAt`, which every submission may carry next to its payload. */
export const submissionTimingSchema = z.strictObject(timing);
