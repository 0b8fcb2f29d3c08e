import { Stack, Validations } from 'aws-cdk-lib';
import type { CfnTable, Table } from 'aws-cdk-lib/aws-dynamodb';

export interface NagAcknowledgementRefs {
  jobsTable: Table;
  inboxQueuePrefix: string;
}

/**
 * Findings of cdk-nag's AwsSolutions pack that this stack accepts on purpose, each with its
 * reason. Anything not listed here fails `npm test` (test/cdk/cdk-nag.test.ts).
 */
export function acknowledgeNagFindings(stack: Stack, refs: NagAcknowledgementRefs): void {
  const acknowledge = (id: string, reason: string) => Validations.of(stack).acknowledge({ id, reason });
  const tableId = stack.resolve(stack.getLogicalId(refs.jobsTable.node.defaultChild as CfnTable)) as string;

  acknowledge(
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    "Lambda's basic execution policy only lets a function write its own CloudWatch logs.",
  );
  acknowledge(
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    "API Gateway's account-level logging role, needed for execution logs; AWS maintains the policy.",
  );
  acknowledge(
    `AwsSolutions-IAM5[Resource::<${tableId}.Arn>/index/*]`,
    "DynamoDB grants cover the jobs table's indexes (byType, byStatus), which listing and stats query.",
  );
  acknowledge(
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:${refs.inboxQueuePrefix}*]`,
    "Long-poll inboxes are created at run time with random names; the prefix limits access to this stack's inboxes.",
  );
  acknowledge(
    'AwsSolutions-IAM5[Resource::*]',
    'Only actions that take no resource: X-Ray PutTraceSegments/PutTelemetryRecords, sqs:ListQueues for the inbox janitor, dynamodb:ListStreams for the stream event source.',
  );
  acknowledge(
    'AwsSolutions-APIG4',
    'Every route runs the token authorizer except /health, /openapi.json and the dashboard page and assets, which reveal no job (and the read routes when openReadRoutes is set on purpose).',
  );
  acknowledge(
    'AwsSolutions-COG4',
    'The job API is service-to-service; callers authenticate with scoped tokens checked by a Lambda authorizer, not Cognito user pools.',
  );
  acknowledge(
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:apigateway:<AWS::Region>::/apikeys/*]',
    "Each token's usage-plan key is created at run time with an id API Gateway generates; the token routes may only delete keys.",
  );
  acknowledge(
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:apigateway:<AWS::Region>::/usageplans/*/keys]',
    "Naming the plan's id would make a dependency cycle (plan → stage → deployment → methods → function → policy); POST only, to add a token's key.",
  );
  acknowledge(
    'AwsSolutions-APIG3',
    'A WAFv2 web ACL costs at least $5 a month plus per request; associate one with the stage when the API is exposed to untrusted traffic.',
  );
}
