import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, type LocalStack } from '@serverless-jobs/local-stack';
import { ApiGatewayUsageKeys } from '../src/aws/api-gateway-usage-keys';
import { createDocumentClient } from '../src/aws/aws-clients';
import { DynamoDbTokenStore } from '../src/aws/dynamodb-token-store';
import { TokenNotFoundError } from '../src/jobs/errors/token-not-found-error';
import { tokenIdOf } from '../src/tokens/api-token';
import { TOKEN_SCOPES } from '../src/tokens/token-scopes';
import { issueToken, revokeToken, type ManageTokensDeps } from '../src/tokens/use-cases/manage-tokens';

/**
 * Stores each token (JOBS_API_KEY, and a load test's one per client) in the running local stack's
 * tokens table with every scope, as
 * `POST /tokens` would: hashed, with its own usage-plan key. Accepted from then on as a bearer token
 * and as x-api-key, through the same authorizer as any other token. A token kept from an earlier
 * run (--data-dir) is replaced with its usage-plan key, so it holds every scope this version has.
 */
export async function seedLocalToken(stack: LocalStack, ...tokens: string[]): Promise<void> {
  const tableName = platformOutput(stack, 'TokensTableName');
  const usagePlanId = platformOutput(stack, 'UsagePlanId');
  if (!tableName || !usagePlanId || !stack.emulators.apiGateway)
    throw new Error('The template has no TokensTableName / UsagePlanId outputs: is it the JobsPlatform stack?');
  const client = { region: stack.emulators.region, credentials: LOCAL_CREDENTIALS };
  const deps: ManageTokensDeps = {
    store: new DynamoDbTokenStore(
      createDocumentClient(new DynamoDBClient({ ...client, endpoint: stack.emulators.dynamodb })),
      tableName,
    ),
    usageKeys: new ApiGatewayUsageKeys(new APIGatewayClient({ ...client, endpoint: stack.emulators.apiGateway }), {
      id: usagePlanId,
    }),
    clock: () => new Date(),
  };
  for (const token of tokens) {
    await revokeToken(deps, tokenIdOf(token)).catch((error: unknown) => {
      if (!(error instanceof TokenNotFoundError)) throw error;
    });
    await issueToken(deps, { name: 'local default (JOBS_API_KEY)', scopes: [...TOKEN_SCOPES], token });
  }
}

/**
 * A JobsPlatform output by its id: `TokensTableName` when the platform's construct id is `Default`
 * (the logical id then carries no path), `<path>TokensTableName<hash>` in any other app.
 */
function platformOutput(stack: LocalStack, id: string): string | undefined {
  const pattern = new RegExp(`^(?:[A-Za-z0-9]*${id}[0-9A-F]{8}|${id})$`);
  const matches = Object.keys(stack.outputs).filter((logicalId) => pattern.test(logicalId));
  return matches.length === 1 ? stack.outputs[matches[0]!] : undefined;
}
