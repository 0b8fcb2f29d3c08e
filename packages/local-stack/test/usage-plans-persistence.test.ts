/**
 * With a data directory, API keys created through the control plane (as the jobs API does for each
 * token) and the generated values of the template's keys survive a restart: a new UsagePlans read
 * from the same template and file admits them again.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { IntrinsicResolver } from '../src/cloudformation/intrinsics';
import type { CfnTemplate } from '../src/cloudformation/template';
import { UsagePlans } from '../src/api-gateway/usage-plans';

const template: CfnTemplate = {
  Resources: {
    Api: { Type: 'AWS::ApiGateway::RestApi' },
    Plan: {
      Type: 'AWS::ApiGateway::UsagePlan',
      Properties: { ApiStages: [{ ApiId: 'api', Stage: 'prod' }], Throttle: { RateLimit: 10, BurstLimit: 5 } },
    },
    Generated: { Type: 'AWS::ApiGateway::ApiKey', Properties: { Enabled: true } },
    Fixed: { Type: 'AWS::ApiGateway::ApiKey', Properties: { Enabled: true, Value: 'fixed-value-0123456789' } },
    GeneratedInPlan: {
      Type: 'AWS::ApiGateway::UsagePlanKey',
      Properties: { UsagePlanId: { Ref: 'Plan' }, KeyId: { Ref: 'Generated' }, KeyType: 'API_KEY' },
    },
  },
};
const start = (file?: string) => {
  const plans = UsagePlans.fromTemplate(
    template,
    new IntrinsicResolver(template, { stackName: 'S', region: 'us-east-1', accountId: '000000000000' }),
  );
  if (file) plans.persistTo(file);
  return plans;
};
const planId = (plans: UsagePlans) => [...plans.plans.keys()][0]!;
const valueOf = (plans: UsagePlans, keyId: string) => plans.keys.get(keyId)!.value;

test('a key created at run time, in its plan, is admitted again after a restart on the same file', () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'usage-plans-')), 'api-keys.json');
  const first = start(file);
  const created = first.createKey({ name: 'token-1', enabled: true });
  expect(first.addCreatedPlanKey(planId(first), created.id)).toBe(true);
  expect(first.admit('api', 'prod', created.value)).toBeUndefined();

  const restarted = start(file);
  expect(restarted.keys.get(created.id)).toEqual(created);
  expect(restarted.admit('api', 'prod', created.value)).toBeUndefined();
  // Without the file, a restart knows nothing of it, as before.
  expect(start().admit('api', 'prod', created.value)).toBe('INVALID_API_KEY');
});

test('a deleted key stays deleted after a restart', () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'usage-plans-')), 'api-keys.json');
  const first = start(file);
  const created = first.createKey({ name: 'token-2', enabled: true });
  first.addCreatedPlanKey(planId(first), created.id);
  first.deleteKey(created.id);
  const restarted = start(file);
  expect(restarted.keys.has(created.id)).toBe(false);
  expect(restarted.admit('api', 'prod', created.value)).toBe('INVALID_API_KEY');
});

test('a template key without a Value keeps its generated value; one with a Value takes the template’s', () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'usage-plans-')), 'api-keys.json');
  const first = start(file);
  const generatedId = [...first.keys.values()].find((key) => key.name === 'Generated')!.id;
  const generated = valueOf(first, generatedId);
  expect(start().keys.get(generatedId)?.value).not.toBe(generated); // a fresh start generates another

  const restarted = start(file);
  expect(valueOf(restarted, generatedId)).toBe(generated);
  expect(restarted.admit('api', 'prod', generated)).toBeUndefined();
  const fixed = [...restarted.keys.values()].find((key) => key.name === 'Fixed')!;
  expect(fixed.value).toBe('fixed-value-0123456789');
  // The file holds what the template cannot give back, not the template's own keys.
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { keys: { id: string }[] };
  expect(saved.keys.map((key) => key.id)).toEqual([generatedId]);
});
