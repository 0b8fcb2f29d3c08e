// The app's registry: its one job type. Add `email`, `sms` or `cleanup` from
// 'serverless-jobs/job-types' here to run the built-in types beside it.
import { webhook } from './webhook.ts';

export const jobTypes = [webhook] as const;
