import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { CfnApi, CfnStage, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { SUBSCRIPTIONS_BY_CONNECTION_INDEX } from '../../src/aws/dynamodb-subscription-store';
import { JobFunction } from './job-function';
import { grantFollowMark, grantTableAccess } from './table-access';

export interface RealtimeApiProps {
  /** The jobs table: read for the snapshot sent right after a subscribe. */
  readonly jobsTable: ITable;
  /** JOBS_TABLE_NAME and the shard counts its items are keyed with (JobsTable.environment). */
  readonly jobsTableEnvironment: Readonly<Record<string, string>>;
  /** The REST API's tokens: `$connect` admits a token with the `jobs:read` scope (GetItem only). */
  readonly tokensTable: ITable;
  /** The stream notifier, which also posts every change to the subscribed connections. */
  readonly notifier: JobFunction;
  /** The stage's name. Default `prod`. */
  readonly stageName?: string;
  /** Throttling of the stage's messages. Default 50 messages/s, bursts of 100. */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logRetention: RetentionDays;
  /** Of the functions' log groups and the access logs; the subscriptions table is always destroyed. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The WebSocket API (API Gateway v2): clients connect with a token of the REST API, subscribe to job ids or a
 * {type, status} filter, and receive every change the stream notifier posts through @connections.
 * API Gateway holds the connections, so no function waits on a client.
 */
export class RealtimeApi extends Construct {
  readonly webSocketApi: WebSocketApi;
  readonly stage: WebSocketStage;
  readonly subscriptionsTable: Table;
  /** `wss://…/<stage>`, from the API's endpoint attribute (so an emulator can answer its own). */
  readonly url: string;

  constructor(scope: Construct, id: string, props: RealtimeApiProps) {
    super(scope, id);
    const stageName = props.stageName ?? 'prod';
    const common = { logRetention: props.logRetention, removalPolicy: props.removalPolicy };

    this.subscriptionsTable = new Table(this, 'SubscriptionsTable', {
      partitionKey: { name: 'targetKey', type: AttributeType.STRING },
      sortKey: { name: 'connectionId', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Subscriptions live as long as a connection (2 h at most); nothing here is worth keeping.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.subscriptionsTable.addGlobalSecondaryIndex({
      indexName: SUBSCRIPTIONS_BY_CONNECTION_INDEX,
      partitionKey: { name: 'connectionId', type: AttributeType.STRING },
      sortKey: { name: 'targetKey', type: AttributeType.STRING },
      projectionType: ProjectionType.KEYS_ONLY,
    });
    const tableEnv = { SUBSCRIPTIONS_TABLE_NAME: this.subscriptionsTable.tableName };

    const connect = new JobFunction(this, 'Connect', {
      ...common,
      entry: 'lambdas/realtime/connect.ts',
      description: 'Admits a WebSocket client with a valid credential ($connect)',
      environment: { TOKENS_TABLE_NAME: props.tokensTable.tableName },
    });
    props.tokensTable.grant(connect, 'dynamodb:GetItem');
    const disconnect = new JobFunction(this, 'Disconnect', {
      ...common,
      entry: 'lambdas/realtime/disconnect.ts',
      description: "Removes a closed WebSocket connection's subscriptions ($disconnect)",
      environment: tableEnv,
    });
    // removeConnection: Query on byConnection, then BatchWriteItem deletes.
    const byConnection = [SUBSCRIPTIONS_BY_CONNECTION_INDEX];
    grantTableAccess(disconnect, this.subscriptionsTable, { actions: ['BatchWriteItem'], queries: byConnection });
    const messages = new JobFunction(this, 'SubscriptionMessages', {
      ...common,
      entry: 'lambdas/realtime/subscription-messages.ts',
      description: 'Subscribes and unsubscribes WebSocket connections; answers the current state',
      timeout: Duration.seconds(20),
      environment: { ...tableEnv, ...props.jobsTableEnvironment },
    });
    // subscribe: PutItem, and GetItem of each job's snapshot; unsubscribe: BatchWriteItem deletes (or the whole connection's).
    grantTableAccess(messages, this.subscriptionsTable, {
      actions: ['PutItem', 'BatchWriteItem'],
      queries: byConnection,
    });
    grantTableAccess(messages, props.jobsTable, { actions: ['GetItem'] });
    grantFollowMark(messages, props.jobsTable);

    this.webSocketApi = new WebSocketApi(this, 'WebSocketApi', {
      apiName: `${Stack.of(this).stackName}-realtime`,
      description: 'Job status changes as they happen, to subscribed WebSocket clients',
      routeSelectionExpression: '$request.body.action',
      connectRouteOptions: { integration: new WebSocketLambdaIntegration('ConnectHandler', connect) },
      disconnectRouteOptions: { integration: new WebSocketLambdaIntegration('DisconnectHandler', disconnect) },
      defaultRouteOptions: { integration: new WebSocketLambdaIntegration('DefaultMessages', messages) },
    });
    for (const action of ['subscribe', 'unsubscribe']) {
      this.webSocketApi.addRoute(action, {
        integration: new WebSocketLambdaIntegration(`${action}Messages`, messages),
      });
    }

    const throttle = props.throttle ?? { rateLimit: 50, burstLimit: 100 };
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.webSocketApi,
      stageName,
      autoDeploy: true,
      throttle: { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit },
    });
    const cfnStage = this.stage.node.defaultChild as CfnStage;
    cfnStage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        connectionId: '$context.connectionId',
        routeKey: '$context.routeKey',
        eventType: '$context.eventType',
        status: '$context.status',
        requestTime: '$context.requestTime',
        ip: '$context.identity.sourceIp',
      }),
    };
    this.url = `${this.webSocketApi.apiEndpoint}/${stageName}`;

    // Posting to connections: execute-api:ManageConnections, for POST on this stage's @connections
    // only; the notifier may also DELETE (close) a connection whose posts keep failing.
    const stack = Stack.of(this);
    const onConnections = (method: 'POST' | 'DELETE') =>
      stack.formatArn({
        service: 'execute-api',
        resource: this.webSocketApi.apiId,
        resourceName: `${stageName}/${method}/@connections/*`,
      });
    const callbackUrl = this.stage.callbackUrl;
    for (const poster of [messages, props.notifier]) {
      poster.addToRolePolicy(
        new PolicyStatement({
          actions: ['execute-api:ManageConnections'],
          resources:
            poster === props.notifier ? [onConnections('POST'), onConnections('DELETE')] : [onConnections('POST')],
        }),
      );
      poster.addEnvironment('WEBSOCKET_CALLBACK_URL', callbackUrl);
    }
    props.notifier.addEnvironment('SUBSCRIPTIONS_TABLE_NAME', this.subscriptionsTable.tableName);
    // subscribersOf: Query by target key; gone connections: removeConnection (Query on byConnection, BatchWriteItem).
    grantTableAccess(props.notifier, this.subscriptionsTable, {
      actions: ['Query', 'BatchWriteItem'],
      queries: byConnection,
    });

    const apiLogicalId = stack.resolve(stack.getLogicalId(this.webSocketApi.node.defaultChild as CfnApi)) as string;
    for (const [poster, methods] of [
      [messages, ['POST']],
      [props.notifier, ['POST', 'DELETE']],
    ] as const) {
      for (const method of methods) {
        Validations.of(poster).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiLogicalId}>/${stageName}/${method}/@connections/*]`,
          reason: `Connection ids are made by API Gateway at run time; the grant covers ${method} on this stage only.`,
        });
      }
    }
    Validations.of(this.webSocketApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        '$connect admits only a token with the jobs:read scope (checked by its function against the tokens table); the other routes run only on connections $connect admitted',
    });
  }
}
