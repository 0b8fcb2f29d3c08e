import {
  APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  GetUsagePlansCommand,
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
  private planId: Promise<string> | undefined;

  /**
   * The plan is given by id, or by name (looked up once): a function behind the API cannot have
   * the plan's id in its environment, as the plan depends on the stage that depends on the function.
   */
  constructor(
    private readonly client: APIGatewayClient,
    private readonly plan: { id: string } | { name: string },
  ) {}

  private usagePlanId(): Promise<string> {
    const plan = this.plan;
    if ('id' in plan) return Promise.resolve(plan.id);
    this.planId ??= this.findPlan(plan.name).catch((error: unknown) => {
      this.planId = undefined;
      throw error;
    });
    return this.planId;
  }

  private async findPlan(name: string): Promise<string> {
    let position: string | undefined;
    do {
      const page = await this.client
        .send(new GetUsagePlansCommand({ position, limit: 500 }))
        .catch(mapOverload('API Gateway'));
      const found = page.items?.find((item) => item.name === name);
      if (found?.id) return found.id;
      position = page.position;
    } while (position);
    throw new Error(`No usage plan named ${name}`);
  }

  async create(name: string): Promise<UsageKey> {
    const usagePlanId = await this.usagePlanId();
    const created = await this.client
      .send(new CreateApiKeyCommand({ name, enabled: true, value: randomBytes(20).toString('hex') }))
      .catch(mapOverload('API Gateway'));
    const key = { id: created.id ?? '', value: created.value ?? '' };
    try {
      await this.client.send(new CreateUsagePlanKeyCommand({ usagePlanId, keyId: key.id, keyType: 'API_KEY' }));
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
