import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { IntrinsicResolver } from '../cloudformation/intrinsics';
import { isRecord, resourcesOfType, type CfnTemplate } from '../cloudformation/template';
import type { GatewayErrorType } from './gateway-responses';

export interface UsagePlanDefinition {
  id: string;
  name: string;
  /** The API stages it applies to. */
  stages: { apiId: string; stage: string }[];
  throttle?: { rateLimit: number; burstLimit: number };
  quota?: { limit: number; period: 'DAY' | 'WEEK' | 'MONTH'; offset: number };
}

export interface ApiKeyRecord {
  id: string;
  value: string;
  name: string;
  enabled: boolean;
  createdDate: number;
}

/** What UsagePlans.persistTo keeps in its file. */
interface SavedUsagePlans {
  keys: ApiKeyRecord[];
  planKeys: { planId: string; keyId: string }[];
}

/** What refused a request, as the gateway response type API Gateway uses. */
export type UsagePlanRefusal = Extract<GatewayErrorType, 'INVALID_API_KEY' | 'THROTTLED' | 'QUOTA_EXCEEDED'>;

/**
 * API keys and usage plans: the template's (AWS::ApiGateway::ApiKey, UsagePlan, UsagePlanKey) and
 * those created at run time through the control plane (CreateApiKey, CreateUsagePlanKey). Each
 * key's requests are metered per plan: a token bucket for rate and burst (429 THROTTLED) and a
 * counter per quota period (429 QUOTA_EXCEEDED), which LocalStack does not enforce.
 */
export class UsagePlans {
  readonly plans = new Map<string, UsagePlanDefinition>();
  readonly keys = new Map<string, ApiKeyRecord>();
  /** Key id → usage plan ids. */
  private readonly planKeys = new Map<string, Set<string>>();
  /** Per plan and key: the token bucket and the quota counter. */
  private readonly meters = new Map<string, { tokens: number; refilledAt: number; period: string; used: number }>();
  /** Keys handed to the local stack (its apiKeys option): accepted on every API, metered by no plan. */
  private readonly unplannedKeys: Set<string>;
  /** Template keys with a Value: the template gives them back at every start, so no file keeps them. */
  private readonly templateValuedKeyIds = new Set<string>();
  /** Plan memberships made through the control plane (the template's are read again at each start). */
  private createdPlanKeys: { planId: string; keyId: string }[] = [];
  private save: (() => void) | undefined;

  constructor(
    unplannedKeys: readonly string[] = [],
    private readonly now: () => number = Date.now,
  ) {
    this.unplannedKeys = new Set(unplannedKeys.filter(Boolean));
  }

  static fromTemplate(
    template: CfnTemplate,
    resolver: IntrinsicResolver,
    unplannedKeys: readonly string[] = [],
  ): UsagePlans {
    const plans = new UsagePlans(unplannedKeys);
    const resolve = (value: unknown) => resolver.resolve(value) as Record<string, unknown>;
    for (const [logicalId, r] of resourcesOfType(template, 'AWS::ApiGateway::UsagePlan')) {
      const props = resolve(r.Properties ?? {});
      const throttle = isRecord(props.Throttle) ? props.Throttle : undefined;
      const quota = isRecord(props.Quota) ? props.Quota : undefined;
      plans.plans.set(resolver.resolveString({ Ref: logicalId }), {
        id: resolver.resolveString({ Ref: logicalId }),
        name: typeof props.UsagePlanName === 'string' ? props.UsagePlanName : logicalId,
        stages: (Array.isArray(props.ApiStages) ? props.ApiStages : []).filter(isRecord).map((stage) => ({
          apiId: String(stage.ApiId),
          stage: String(stage.Stage),
        })),
        ...(throttle && throttle.RateLimit !== undefined
          ? { throttle: { rateLimit: Number(throttle.RateLimit), burstLimit: Number(throttle.BurstLimit ?? 0) } }
          : {}),
        ...(quota && quota.Limit !== undefined
          ? {
              quota: {
                limit: Number(quota.Limit),
                period: String(quota.Period ?? 'DAY') as 'DAY' | 'WEEK' | 'MONTH',
                offset: Number(quota.Offset ?? 0),
              },
            }
          : {}),
      });
    }
    for (const [logicalId, r] of resourcesOfType(template, 'AWS::ApiGateway::ApiKey')) {
      const props = resolve(r.Properties ?? {});
      const id = resolver.resolveString({ Ref: logicalId });
      // A key without a Value gets a generated one, like a fresh deployment's.
      const value = typeof props.Value === 'string' ? props.Value : randomBytes(20).toString('hex');
      if (typeof props.Value === 'string') plans.templateValuedKeyIds.add(id);
      plans.keys.set(id, {
        id,
        value,
        name: String(props.Name ?? logicalId),
        enabled: props.Enabled !== false && props.Enabled !== 'false',
        createdDate: Date.now(),
      });
    }
    for (const [, r] of resourcesOfType(template, 'AWS::ApiGateway::UsagePlanKey')) {
      const props = resolve(r.Properties ?? {});
      plans.addKeyToPlan(String(props.UsagePlanId), String(props.KeyId));
    }
    return plans;
  }

  /**
   * Keeps what the control plane creates (API keys, their plans) and the generated values of the
   * template's keys in `file`, and takes back what an earlier run kept there: with a data
   * directory, a key created at run time (e.g. for a token) works again after a restart, as it does
   * on AWS. Written synchronously on every change, so a SIGKILL loses nothing acknowledged. Not
   * kept: throttle buckets and quota counters (they start full and at zero).
   */
  persistTo(file: string): void {
    if (existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as SavedUsagePlans;
      for (const key of saved.keys) {
        if (this.templateValuedKeyIds.has(key.id)) continue;
        const current = this.keys.get(key.id);
        if (current)
          current.value = key.value; // a template key's generated value
        else this.keys.set(key.id, key);
      }
      for (const { planId, keyId } of saved.planKeys) this.addCreatedPlanKey(planId, keyId);
    }
    this.save = () => {
      const saved: SavedUsagePlans = {
        keys: [...this.keys.values()].filter((key) => !this.templateValuedKeyIds.has(key.id)),
        planKeys: this.createdPlanKeys,
      };
      writeFileSync(`${file}.tmp`, JSON.stringify(saved));
      renameSync(`${file}.tmp`, file);
    };
    this.save();
  }

  /** A plan membership made through the control plane (CreateUsagePlanKey); false when the plan or key does not exist. */
  addCreatedPlanKey(planId: string, keyId: string): boolean {
    if (!this.addKeyToPlan(planId, keyId)) return false;
    if (!this.createdPlanKeys.some((entry) => entry.planId === planId && entry.keyId === keyId))
      this.createdPlanKeys.push({ planId, keyId });
    this.save?.();
    return true;
  }

  createKey(input: { name?: string; value?: string; enabled?: boolean }): ApiKeyRecord {
    const key: ApiKeyRecord = {
      id: randomBytes(5).toString('hex'),
      value: input.value ?? randomBytes(20).toString('hex'),
      name: input.name ?? '',
      enabled: input.enabled ?? false, // CreateApiKey's default
      createdDate: this.now(),
    };
    this.keys.set(key.id, key);
    this.save?.();
    return key;
  }

  deleteKey(id: string): boolean {
    this.planKeys.delete(id);
    this.createdPlanKeys = this.createdPlanKeys.filter((entry) => entry.keyId !== id);
    const deleted = this.keys.delete(id);
    this.save?.();
    return deleted;
  }

  /** Returns false when the plan or the key does not exist. */
  addKeyToPlan(planId: string, keyId: string): boolean {
    if (!this.plans.has(planId) || !this.keys.has(keyId)) return false;
    const plans = this.planKeys.get(keyId) ?? new Set<string>();
    plans.add(planId);
    this.planKeys.set(keyId, plans);
    return true;
  }

  /**
   * Admits one request to a method that requires an API key, with the key value the API's key
   * source gave (x-api-key or the authorizer's usageIdentifierKey); undefined when it may run.
   */
  admit(apiId: string, stage: string, keyValue: string | undefined): UsagePlanRefusal | undefined {
    if (!keyValue) return 'INVALID_API_KEY';
    if (this.unplannedKeys.has(keyValue)) return undefined;
    const key = [...this.keys.values()].find((candidate) => candidate.value === keyValue && candidate.enabled);
    const plan = key
      ? [...(this.planKeys.get(key.id) ?? [])]
          .map((planId) => this.plans.get(planId))
          .find((candidate) => candidate?.stages.some((s) => s.apiId === apiId && s.stage === stage))
      : undefined;
    if (!key || !plan) return 'INVALID_API_KEY';
    const meterKey = `${plan.id}\u0000${key.id}`;
    const now = this.now();
    const period = plan.quota ? quotaPeriod(plan.quota.period, now) : '';
    const meter = this.meters.get(meterKey) ?? {
      tokens: plan.throttle?.burstLimit ?? 0,
      refilledAt: now,
      period,
      used: 0,
    };
    this.meters.set(meterKey, meter);
    if (plan.throttle) {
      const { rateLimit, burstLimit } = plan.throttle;
      // A bucket of burstLimit tokens refilled at rateLimit per second; each request takes one.
      meter.tokens = Math.min(burstLimit, meter.tokens + ((now - meter.refilledAt) / 1000) * rateLimit);
      meter.refilledAt = now;
      if (meter.tokens < 1) return 'THROTTLED';
    }
    if (plan.quota) {
      if (meter.period !== period) Object.assign(meter, { period, used: 0 });
      if (meter.used >= plan.quota.limit) return 'QUOTA_EXCEEDED';
      meter.used += 1;
    }
    if (plan.throttle) meter.tokens -= 1;
    return undefined;
  }
}

/** The quota period a moment falls in (UTC days; weeks from Monday; calendar months). */
function quotaPeriod(period: 'DAY' | 'WEEK' | 'MONTH', now: number): string {
  const date = new Date(now);
  if (period === 'MONTH') return date.toISOString().slice(0, 7);
  if (period === 'WEEK') {
    const monday = new Date(now - ((date.getUTCDay() + 6) % 7) * 86_400_000);
    return `W${monday.toISOString().slice(0, 10)}`;
  }
  return date.toISOString().slice(0, 10);
}
