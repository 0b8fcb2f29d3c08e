import { App, RemovalPolicy } from 'aws-cdk-lib';
import { JobsStack } from '../lib/jobs-stack';

/**
 * `npx cdk deploy` entry point. Deploy-time choices come from context (`-c key=value`):
 * alarmEmail, stageName, removalPolicy=destroy, openReadRoutes=true, acceptApiKeyHeader=false, stats=false,
 * listingShards=N, dueShards=N (indexShards; the construct refuses counts outside 1–100),
 * streamParallelizationFactor=N (1–10).
 */
const app = new App();
const context = (key: string): string | undefined => app.node.tryGetContext(key) as string | undefined;
const indexShards = Object.fromEntries(
  (['listing', 'due'] as const).flatMap((name) => {
    const value = context(`${name}Shards`);
    return value === undefined ? [] : [[name, Number(value)]];
  }),
);
new JobsStack(app, 'ServerlessJobs', {
  description: 'Serverless background jobs: API Gateway, SQS per job type, Lambda workers, DynamoDB',
  removalPolicy: context('removalPolicy') === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
  ...(context('alarmEmail') ? { alarmEmail: context('alarmEmail') } : {}),
  ...(context('stageName') ? { stageName: context('stageName') } : {}),
  openReadRoutes: String(context('openReadRoutes')) === 'true',
  acceptApiKeyHeader: String(context('acceptApiKeyHeader')) !== 'false',
  stats: String(context('stats')) !== 'false',
  indexShards,
  ...(context('streamParallelizationFactor')
    ? { streamParallelizationFactor: Number(context('streamParallelizationFactor')) }
    : {}),
});
