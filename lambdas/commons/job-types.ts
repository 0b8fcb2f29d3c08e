// The registry module: this repository's src/job-types by default; a JobsPlatform bundles its
// `jobTypesModule` here instead (an esbuild alias), so a user's job types reach every function.
import { jobTypes as definitions } from '#job-types';
import { JobTypeRegistry } from '../../src/jobs/job-type-registry';
import { readJobTypeConfigs } from './environment';

let declared: JobTypeRegistry | undefined;
let deployed: JobTypeRegistry | undefined;

/** The job types with their own configuration: enough to know names and masking. */
export function declaredJobTypes(): JobTypeRegistry {
  return (declared ??= new JobTypeRegistry(definitions));
}

/** The job types as this deployment configured them (JOB_TYPE_CONFIGS); throws at cold start when they disagree. */
export function deployedJobTypes(): JobTypeRegistry {
  return (deployed ??= new JobTypeRegistry(definitions, readJobTypeConfigs()));
}
