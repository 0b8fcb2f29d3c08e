import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

interface ValidationReport {
  pluginReports: {
    pluginName: string;
    violations: { ruleName: string; description: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}

/** Synthesises what `build` adds to an app with cdk-nag's AwsSolutions pack; returns what it reports. */
export function nagViolations(build: (app: App) => void): string[] {
  const outdir = mkdtempSync(path.join(tmpdir(), 'nag-'));
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  build(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let failed = false;
  try {
    app.synth();
  } catch {
    failed = true;
  }
  const reportFile = path.join(outdir, 'validation-report.json');
  if (!existsSync(reportFile)) return failed ? ['synthesis failed without a validation report'] : [];
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as ValidationReport;
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((violation) =>
      violation.violatingConstructs.map((c) => `${violation.ruleName} at ${c.constructPath}: ${violation.description}`),
    ),
  );
}
