import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { JobsPlatform, type JobsPlatformProps } from './jobs-platform';

export interface JobsStackProps extends StackProps, JobsPlatformProps {}

/** This repository's deployable app: a stack holding one JobsPlatform and nothing else. */
export class JobsStack extends Stack {
  readonly platform: JobsPlatform;

  constructor(scope: Construct, id: string, props: JobsStackProps = {}) {
    super(scope, id, props);
    // `Default` adds nothing to logical ids: the template is the one the stack had before the construct.
    this.platform = new JobsPlatform(this, 'Default', props);
  }
}
