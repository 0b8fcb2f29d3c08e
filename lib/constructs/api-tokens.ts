import { Duration, Lazy, type RemovalPolicy } from 'aws-cdk-lib';
import { IdentitySource, RequestAuthorizer, type CfnAuthorizer } from 'aws-cdk-lib/aws-apigateway';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { routeKey, type TokenScope } from '../../src/tokens/token-scopes';
import { JobFunction } from './job-function';

export interface ApiTokensProps {
  /**
   * How long API Gateway keeps the authorizer's answer for one token and route. Only applies when
   * `acceptApiKeyHeader` is false: AWS caches by identity sources every request must carry.
   */
  readonly cacheTtl: Duration;
  /** Accept the legacy `x-api-key` header as a token too (the authorizer then runs on every request). */
  readonly acceptApiKeyHeader: boolean;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Scoped client tokens: the tokens table (hashes only) and the REQUEST authorizer that checks a
 * request's token against the scope its route needs. The route → scope table is filled by
 * `requireScope` as routes are defined, and reaches the authorizer as one environment variable.
 */
export class ApiTokens extends Construct {
  readonly table: Table;
  readonly authorizer: RequestAuthorizer;
  readonly authorizerFunction: JobFunction;
  private readonly routeScopes: Record<string, TokenScope> = {};
  /** The route → scope table as JSON, complete once every route is defined (resolved at synthesis). */
  readonly routeScopesJson = Lazy.string({ produce: () => JSON.stringify(this.routeScopes) });

  constructor(scope: Construct, id: string, props: ApiTokensProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'id', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy,
    });
    this.authorizerFunction = new JobFunction(this, 'Authorizer', {
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      entry: 'lambdas/tokens/authorize.ts',
      description: "Checks a request's bearer token and the scope its route needs",
      memorySize: 256,
      timeout: Duration.seconds(5),
      environment: {
        TOKENS_TABLE_NAME: this.table.tableName,
        ROUTE_SCOPES: this.routeScopesJson,
      },
    });
    this.table.grant(this.authorizerFunction, 'dynamodb:GetItem');
    // Every request must carry all identity sources or API Gateway answers 401 without asking the
    // authorizer: accepting x-api-key as well leaves none to cache by.
    const cached = !props.acceptApiKeyHeader && props.cacheTtl.toSeconds() > 0;
    this.authorizer = new RequestAuthorizer(this, 'RequestAuthorizer', {
      handler: this.authorizerFunction,
      // The route is part of the cache key: one token's answer differs from route to route.
      identitySources: cached
        ? [
            IdentitySource.header('Authorization'),
            IdentitySource.context('httpMethod'),
            IdentitySource.context('resourcePath'),
          ]
        : [],
      resultsCacheTtl: cached ? props.cacheTtl : Duration.seconds(0),
    });
    if (!cached) (this.authorizer.node.defaultChild as CfnAuthorizer).addPropertyDeletionOverride('IdentitySource');
  }

  /** Records the scope a route needs; called by the route definitions, the one place that says it. */
  requireScope(scope: TokenScope, httpMethod: string, resourcePath: string): void {
    this.routeScopes[routeKey(httpMethod, resourcePath)] = scope;
  }
}
