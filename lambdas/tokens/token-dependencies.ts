import { ApiGatewayUsageKeys, createApiGatewayClient } from '../../src/aws/api-gateway-usage-keys';
import { DynamoDbTokenStore } from '../../src/aws/dynamodb-token-store';
import type { ManageTokensDeps } from '../../src/tokens/use-cases/manage-tokens';
import { documentClient } from '../commons/clients';
import { requireEnv } from '../commons/environment';
import { tracer } from '../commons/powertools';

/** The token routes' store and usage-plan keys, created once per execution environment. */
export function tokenDependencies(): ManageTokensDeps {
  return {
    store: new DynamoDbTokenStore(documentClient, requireEnv('TOKENS_TABLE_NAME')),
    usageKeys: new ApiGatewayUsageKeys(tracer.captureAWSv3Client(createApiGatewayClient()), {
      name: requireEnv('USAGE_PLAN_NAME'),
    }),
    clock: () => new Date(),
  };
}
