import {
  APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  NotFoundException,
} from '@aws-sdk/client-api-gateway';
import { randomBytes } from 'node:crypto';
import type { UsageKey, UsageKeys } from '../tokens/ports/usage-keys';
import { mapOverload } from './aws-error-mapping';

/**
 * Each token's usage-plan key: an API key (its value is only a metering id, useless as a
 * credential because the API reads keys from the authorizer) added to the stage's usage plan.
 */
export class ApiGatewayUsageKeys implements UsageKeys {
  constructor(
    private readonly client: APIGatewayClient,
    private readonly usagePlanId: string,
  ) {}

  async create(name: string): Promise<UsageKey> {
    const created = await this.client
      .send(new CreateApiKeyCommand({ name, enabled: true, value: randomBytes(20).toString('hex') }))
      .catch(mapOverload('API Gateway'));
    const key = { id: created.id ?? '', value: created.value ?? '' };
    try {
      await this.client.send(
        new CreateUsagePlanKeyCommand({ usagePlanId: this.usagePlanId, keyId: key.id, keyType: 'API_KEY' }),
      );
    } catch (error) {
      await this.delete(key.id).catch(() => {});
      mapOverload('API Gateway')(error);
    }
    return key;
  }

  async delete(id: string): Promise<void> {
    try {
      await this.client.send(new DeleteApiKeyCommand({ apiKey: id }));
    } catch (error) {
      if (error instanceof NotFoundException) return;
      mapOverload('API Gateway')(error);
    }
  }
}

export function createApiGatewayClient(): APIGatewayClient {
  return new APIGatewayClient({});
}
