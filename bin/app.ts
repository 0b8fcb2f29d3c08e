import { App, RemovalPolicy } from 'aws-cdk-lib';
import { JobsStack } from '../lib/jobs-stack';

const app = new App();
new JobsStack(app, 'ServerlessJobs', {
  description: 'Serverless background jobs: API Gateway, SQS per job type, Lambda workers, DynamoDB',
  removalPolicy: app.node.tryGetContext('removalPolicy') === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
});
