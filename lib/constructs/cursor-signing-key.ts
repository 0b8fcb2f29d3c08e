import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/**
 * The HMAC key that signs listing cursors. Secrets Manager generates it when the stack is first
 * deployed, so no key sits in code, the template or a context file, and each deployment has its
 * own (a cursor from another deployment is refused). The listing function receives it as an
 * environment variable through a CloudFormation dynamic reference rather than calling Secrets
 * Manager at cold start: the key only guards the integrity of pagination tokens (whoever can read
 * the function's configuration can already read the table), this costs no API call or IAM grant,
 * and the local stack resolves the same reference to a key it generates per run.
 */
export class CursorSigningKey extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: 'HMAC key that signs GET /jobs cursors',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      // Losing it only invalidates outstanding cursors; a new stack generates a new one.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the cursor key would only invalidate the pagination cursors clients hold; replace the secret to rotate.',
    });
  }

  /** The key as a deploy-time dynamic reference, for a function's environment. */
  get environmentValue(): string {
    return this.secret.secretValue.unsafeUnwrap();
  }
}
