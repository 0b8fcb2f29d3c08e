import { randomBytes } from 'node:crypto';
import { formatArn } from '../arns';
import { isRecord, type CfnTemplate } from './template';

/** What Ref and Fn::GetAtt return for a resource the local stack created (or simulated). */
export interface ResourceValues {
  ref: string;
  attributes?: Record<string, unknown>;
}

export interface StackContext {
  stackName: string;
  region: string;
  accountId: string;
}

/**
 * Resolves CloudFormation intrinsic functions against the resources we created.
 * Anything we do not emulate (roles, log groups, …) resolves to a plausible fake
 * name or ARN, because handlers usually only print or pass such values along.
 */
export class IntrinsicResolver {
  private readonly values = new Map<string, ResourceValues>();
  private readonly conditionCache = new Map<string, boolean>();
  /** Values of generated secrets, made up once per run: like a fresh deployment's. */
  private readonly secretValues = new Map<string, string>();

  constructor(
    private readonly template: CfnTemplate,
    readonly context: StackContext,
  ) {}

  register(logicalId: string, values: ResourceValues): void {
    this.values.set(logicalId, values);
  }

  resolve(value: unknown): unknown {
    if (typeof value === 'string') return this.resolveDynamicReferences(value);
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (!isRecord(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const key = keys[0]!;
      const arg = value[key];
      switch (key) {
        case 'Ref':
          return this.ref(String(arg));
        case 'Fn::GetAtt':
          return this.getAtt(arg);
        case 'Fn::Join': {
          const [separator, parts] = arg as [string, unknown];
          return this.resolveDynamicReferences((this.resolve(parts) as unknown[]).map(String).join(separator));
        }
        case 'Fn::Sub':
          return this.resolveDynamicReferences(this.sub(arg));
        case 'Fn::Select': {
          const [index, list] = arg as [unknown, unknown];
          return (this.resolve(list) as unknown[])[Number(this.resolve(index))];
        }
        case 'Fn::Split': {
          const [separator, text] = arg as [string, unknown];
          return String(this.resolve(text)).split(separator);
        }
        case 'Fn::If': {
          const [condition, whenTrue, whenFalse] = arg as [string, unknown, unknown];
          return this.resolve(this.isConditionTrue(condition) ? whenTrue : whenFalse);
        }
        case 'Fn::Base64':
          return Buffer.from(String(this.resolve(arg))).toString('base64');
        case 'Fn::GetAZs':
          return ['a', 'b', 'c'].map((zone) => `${this.context.region}${zone}`);
        case 'Fn::FindInMap': {
          const [map, top, second] = this.resolve(arg) as [string, string, string];
          return this.template.Mappings?.[map]?.[top]?.[second];
        }
        case 'Fn::ImportValue':
          return `imported-${String(this.resolve(arg))}`;
        case 'Fn::ToJsonString':
          return JSON.stringify(this.resolve(arg));
      }
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v)]));
  }

  /**
   * CloudFormation's `{{resolve:secretsmanager:<secret>:SecretString:...}}` references, which
   * CloudFormation replaces at deploy time. Locally each secret gets a random value for the run,
   * as a generated secret (GenerateSecretString) would; other dynamic references stay as they are.
   */
  private resolveDynamicReferences(text: string): string {
    return text.replace(/\{\{resolve:secretsmanager:(.+?)(?::SecretString:[^}]*)?\}\}/g, (_whole, secretId: string) => {
      let secret = this.secretValues.get(secretId);
      if (secret === undefined) {
        secret = randomBytes(36).toString('base64url');
        this.secretValues.set(secretId, secret);
      }
      return secret;
    });
  }

  resolveString(value: unknown): string {
    return String(this.resolve(value));
  }

  isConditionTrue(name: string): boolean {
    const cached = this.conditionCache.get(name);
    if (cached !== undefined) return cached;
    const result = this.evaluateCondition(this.template.Conditions?.[name]);
    this.conditionCache.set(name, result);
    return result;
  }

  private evaluateCondition(expression: unknown): boolean {
    if (!isRecord(expression)) return Boolean(expression);
    const [key, arg] = Object.entries(expression)[0] ?? [];
    const list = arg as unknown[];
    switch (key) {
      case 'Fn::Equals':
        return String(this.resolve(list[0])) === String(this.resolve(list[1]));
      case 'Fn::Not':
        return !this.evaluateCondition(list[0]);
      case 'Fn::And':
        return list.every((item) => this.evaluateCondition(item));
      case 'Fn::Or':
        return list.some((item) => this.evaluateCondition(item));
      case 'Condition':
        return this.isConditionTrue(String(arg));
      default:
        return Boolean(this.resolve(expression));
    }
  }

  private ref(name: string): unknown {
    const { stackName, region, accountId } = this.context;
    switch (name) {
      case 'AWS::Region':
        return region;
      case 'AWS::AccountId':
        return accountId;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stackName;
      case 'AWS::StackId':
        return formatArn({
          service: 'cloudformation',
          region,
          accountId,
          resource: `stack/${stackName}/00000000-0000-0000-0000-000000000000`,
        });
      case 'AWS::NoValue':
        return undefined;
      case 'AWS::NotificationARNs':
        return [];
    }
    const known = this.values.get(name);
    if (known) return known.ref;
    const parameter = this.template.Parameters?.[name];
    if (parameter) return parameter.Default ?? '';
    const type = this.template.Resources?.[name]?.Type ?? '';
    // Types whose Ref is an ARN in CloudFormation; everything else returns a name.
    if (/^AWS::(SNS::Topic|IAM::ManagedPolicy|SecretsManager::Secret)$/.test(type)) return this.fakeArn(name, type);
    return `${stackName}-${name}`;
  }

  private getAtt(arg: unknown): unknown {
    const [logicalId, attribute] = Array.isArray(arg)
      ? [String(arg[0]), String(this.resolve(arg[1]))]
      : splitOnce(String(arg), '.');
    const known = this.values.get(logicalId)?.attributes?.[attribute];
    if (known !== undefined) return known;
    const type = this.template.Resources?.[logicalId]?.Type ?? 'AWS::Unknown::Resource';
    if (attribute === 'Arn' || attribute.endsWith('Arn')) return this.fakeArn(logicalId, type);
    return `${this.context.stackName}-${logicalId}-${attribute}`;
  }

  private fakeArn(logicalId: string, type: string): string {
    const [, service = 'unknown', kind = 'resource'] = type.split('::');
    const { stackName, region, accountId } = this.context;
    const isGlobal = service === 'IAM';
    return formatArn({
      service: service.toLowerCase(),
      region: isGlobal ? '' : region,
      accountId,
      resource: `${kind.toLowerCase()}/${stackName}-${logicalId}`,
    });
  }

  private sub(arg: unknown): string {
    const [text, variables] = Array.isArray(arg)
      ? [String(arg[0]), (arg[1] ?? {}) as Record<string, unknown>]
      : [String(arg), {}];
    return text.replace(/\$\{([^}]*)\}/g, (whole, expression: string) => {
      if (expression.startsWith('!')) return `\${${expression.slice(1)}}`; // ${!Literal} escapes
      if (expression in variables) return String(this.resolve(variables[expression]));
      if (expression.includes('.') && !expression.startsWith('AWS::')) return String(this.getAtt(expression));
      return String(this.ref(expression));
    });
  }
}

function splitOnce(text: string, separator: string): [string, string] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, ''] : [text.slice(0, index), text.slice(index + 1)];
}
