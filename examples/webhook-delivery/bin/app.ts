/**
 * A user's CDK app: their own stack, the JobsPlatform construct from the serverless-jobs package,
 * and their job types (../job-types). `cdk synth` runs it with Node's own TypeScript support.
 *
 * The signing secret comes from context (`-c webhookSigningSecret=…`) or the environment
 * (WEBHOOK_SIGNING_SECRET) at synth time and becomes the webhook worker's environment variable.
 */
import path from 'node:path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { JobsPlatform } from 'serverless-jobs/cdk';
import { jobTypes } from '../job-types/index.ts';
import { SIGNING_SECRET_VARIABLE } from '../job-types/webhook.ts';

const app = new App();
const signingSecret =
  (app.node.tryGetContext('webhookSigningSecret') as string | undefined) ?? process.env[SIGNING_SECRET_VARIABLE];
if (!signingSecret) {
  throw new Error(`Set the webhook signing secret: -c webhookSigningSecret=… or ${SIGNING_SECRET_VARIABLE}=…`);
}

const stack = new Stack(app, 'WebhookDelivery');
const platform = new JobsPlatform(stack, 'Jobs', {
  jobTypes,
  // Every function bundles this module in place of the built-in registry, so the worker runs our processor.
  jobTypesModule: path.join(import.meta.dirname, '../job-types/index.ts'),
  removalPolicy: RemovalPolicy.DESTROY,
});
platform.workers.webhook!.addEnvironment(SIGNING_SECRET_VARIABLE, signingSecret);
