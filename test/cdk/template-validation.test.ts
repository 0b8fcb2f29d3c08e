import { App, CfnResource } from 'aws-cdk-lib';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JobsStack } from '../../lib/jobs-stack';

/**
 * CDK validates every synthesized template against CloudFormation's resource schemas, and the
 * cdk.json flag `@aws-cdk/core:validateAgainstDefaultRules` makes a violation fail `cdk synth`
 * and `cdk deploy` instead of printing a warning. The other tests synthesize without it (jest.config.js:
 * it is half their CPU); here it runs as `cdk synth` runs it, with the app's cdk.json context.
 */
const cdkJson = JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: Record<string, unknown> };

interface ValidationReport {
  pluginReports: { pluginName: string; violations: { ruleName: string; description: string }[] }[];
}

function synthesizeValidated(addToStack: (stack: JobsStack) => void = () => {}): ValidationReport {
  const outdir = mkdtempSync(path.join(tmpdir(), 'template-validation-'));
  const validation = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'true';
  try {
    const app = new App({ outdir, context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
    addToStack(new JobsStack(app, 'Validated'));
    app.synth();
    return JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
  } finally {
    if (validation === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = validation;
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe("the stack's template against CloudFormation's schemas", () => {
  it('has no violations', () => {
    const report = synthesizeValidated();
    expect(report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
  });

  it('fails the synthesis on a violation, naming the property', () => {
    expect(() =>
      synthesizeValidated((stack) => {
        new CfnResource(stack, 'Broken', { type: 'AWS::SQS::Queue', properties: { VisibilityTimeout: 'soon' } });
      }),
    ).toThrow(/VisibilityTimeout/);
  });
});
