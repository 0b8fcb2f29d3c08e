/**
 * What a user's job-type files import (`serverless-jobs/job-types`): the declaration function, the
 * error classes a processor throws, the type helpers, and the built-in types to list beside theirs.
 */
export { defineJobType, PermanentJobError, TransientJobError } from '../jobs/define-job-type';
export type { JobContext, JobSchedule, MessageChannel, MessageSenders, PayloadsOf } from '../jobs/define-job-type';
export type { EmailMessage, EmailSender } from '../jobs/providers/email-sender';
export type { SmsMessage, SmsSender } from '../jobs/providers/sms-sender';
export { cleanup } from './cleanup';
export { email } from './email';
export { sms } from './sms';
