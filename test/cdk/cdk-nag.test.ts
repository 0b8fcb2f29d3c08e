import { Stack } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { JobsStack } from '../../lib/jobs-stack';
import { nagViolations } from '../support/nag-violations';

test('cdk-nag AwsSolutions reports nothing that is not acknowledged with a reason', () => {
  expect(nagViolations((app) => new JobsStack(app, 'Nagged', { alarmEmail: 'ops@example.com' }))).toEqual([]);
});

test('the check does report a finding (an unencrypted queue without a DLQ)', () => {
  const violations = nagViolations((app) => new Queue(new Stack(app, 'Careless'), 'Queue'));
  expect(violations.some((v) => v.startsWith('AwsSolutions-SQS3'))).toBe(true);
});
