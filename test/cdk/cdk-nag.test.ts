import { Stack } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { JobsPlatform } from '../../lib/jobs-platform';
import { JobsStack } from '../../lib/jobs-stack';
import { nagViolations } from '../support/nag-violations';

test('cdk-nag AwsSolutions reports nothing that is not acknowledged with a reason', () => {
  expect(nagViolations((app) => new JobsStack(app, 'Nagged', { alarmEmail: 'ops@example.com' }))).toEqual([]);
});

test('nor with a customer-managed key and the WAF rule (acknowledgements sit on resources, not the stack)', () => {
  const violations = nagViolations((app) => {
    const stack = new Stack(app, 'NaggedHardened');
    const key = new Key(stack, 'Key', { enableKeyRotation: true });
    new JobsPlatform(stack, 'Default', { encryptionKey: key, wafRateLimit: 600, alarmEmail: 'ops@example.com' });
  });
  expect(violations).toEqual([]);
});

test('the check does report a finding (an unencrypted queue without a DLQ)', () => {
  const violations = nagViolations((app) => new Queue(new Stack(app, 'Careless'), 'Queue'));
  expect(violations.some((v) => v.startsWith('AwsSolutions-SQS3'))).toBe(true);
});
