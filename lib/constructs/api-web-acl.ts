import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface ApiWebAclProps {
  /** The REST API stage the web ACL guards. */
  readonly stage: Stage;
  /** Requests one client IP may make in 5 minutes before WAF blocks it (WAF's minimum is 10). */
  readonly requestsPer5Minutes: number;
}

/**
 * A WAFv2 web ACL in front of the REST API stage with one rate-based rule: a client IP above the
 * limit is blocked until its rate drops. It guards the open routes too, which no token throttles
 * per client. Costs $5 a month plus $1 per rule and $0.60 per million requests.
 */
export class ApiWebAcl extends Construct {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: ApiWebAclProps) {
    super(scope, id);
    if (!Number.isInteger(props.requestsPer5Minutes) || props.requestsPer5Minutes < 10) {
      throw new Error('wafRateLimit must be a whole number of requests per 5 minutes, at least 10 (WAF’s minimum)');
    }
    const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      description: 'Rate limit per client IP in front of the jobs API',
      visibilityConfig: visibility('JobsApiWebAcl'),
      rules: [
        {
          name: 'RatePerClientIp',
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: props.requestsPer5Minutes,
              aggregateKeyType: 'IP',
              evaluationWindowSec: 300,
            },
          },
          visibilityConfig: visibility('JobsApiRatePerClientIp'),
        },
      ],
    });
    new CfnWebACLAssociation(this, 'StageAssociation', {
      resourceArn: props.stage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}
