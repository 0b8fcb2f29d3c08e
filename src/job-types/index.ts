/**
 * The registry: every job type of this deployment, one line each. The stack (queues, DLQs,
 * workers, routes, alarms), validation, masking, the workers and the client's payload types all
 * follow this list. A new type is one file in this folder plus one line here.
 */
import { cleanup } from './cleanup';
import { email } from './email';
import { sms } from './sms';

export const jobTypes = [email, sms, cleanup] as const;
