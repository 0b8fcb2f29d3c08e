/**
 * The local account and region, and the one place ARNs are built and taken apart. Every ARN the
 * local stack hands out (functions, rules, fake ARNs of resources it does not emulate) comes from
 * formatArn, so they all carry the same account id and partition.
 */

/** The account id of every local ARN (the one LocalStack uses too). */
export const LOCAL_ACCOUNT_ID = '000000000000';

/** The region the emulators report when none is chosen. */
export const DEFAULT_REGION = 'us-east-1';

export interface ArnParts {
  service: string;
  /** Empty for global services (IAM). */
  region: string;
  accountId: string;
  /** Everything after the account id, e.g. function:name:alias or rule/name. */
  resource: string;
}

/** arn:aws:<service>:<region>:<account>:<resource>; the account defaults to LOCAL_ACCOUNT_ID. */
export function formatArn(parts: Omit<ArnParts, 'accountId'> & { accountId?: string }): string {
  return `arn:aws:${parts.service}:${parts.region}:${parts.accountId ?? LOCAL_ACCOUNT_ID}:${parts.resource}`;
}

/** The parts of an ARN, or undefined for anything else (a plain name). */
export function parseArn(arn: string): ArnParts | undefined {
  const match = /^arn:[^:]+:([^:]+):([^:]*):([^:]*):(.+)$/.exec(arn);
  if (!match) return undefined;
  const [, service, region, accountId, resource] = match as unknown as [string, string, string, string, string];
  return { service, region, accountId, resource };
}

/** A function's name from its name or ARN, either one with an :alias or :version qualifier. */
export function functionNameOf(reference: string): string {
  const arn = parseArn(reference);
  const nameAndQualifier = arn ? arn.resource.replace(/^function:/, '') : reference;
  return nameAndQualifier.split(':')[0] ?? nameAndQualifier;
}

/** A function ARN without its :alias or :version qualifier (anything else comes back unchanged). */
export function unqualifiedFunctionArn(arn: string): string {
  const parts = parseArn(arn);
  if (parts?.service !== 'lambda' || !parts.resource.startsWith('function:')) return arn;
  return formatArn({ ...parts, resource: `function:${functionNameOf(arn)}` });
}
