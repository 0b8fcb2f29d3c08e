/**
 * EventBridge rules with a ScheduleExpression (AWS::Events::Rule): each enabled rule invokes its
 * Lambda targets on schedule, in UTC, with the event EventBridge sends ("Scheduled Event", or the
 * target's Input). Rules with an EventPattern are reported as not emulated. Any rule with a
 * schedule can also be fired by hand (LocalStack.fireRule, POST /_local/rules/{rule}/fire).
 */
import { randomUUID } from 'node:crypto';
import { formatArn, unqualifiedFunctionArn } from '../arns';
import type { IntrinsicResolver } from '../cloudformation/intrinsics';
import { LambdaThrottledError, type LocalFunction } from '../lambda/lambda-function';
import { nextRun, parseScheduleExpression, type Schedule } from './schedule-expression';
import { isRecord, resourcesOfType, type CfnTemplate } from '../cloudformation/template';

/** Lambda keeps retrying a throttled asynchronous event for up to 6 hours; locally, backoff up to a minute between tries. */
const MAX_THROTTLE_BACKOFF_MS = 60_000;
const MAX_EVENT_AGE_MS = 6 * 3600_000;

/** setTimeout's largest delay; longer waits are taken in several steps. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export interface LocalRuleTarget {
  /** The target's Id in the rule. */
  id: string;
  fn: LocalFunction;
  /** The target's Input, parsed: sent instead of the event. */
  input?: unknown;
  /** The target's InputPath (only `$` and `$.a.b` paths): sends that part of the event. */
  inputPath?: string;
}

export interface LocalRule {
  logicalId: string;
  ruleName: string;
  ruleArn: string;
  /** ENABLED or DISABLED (or another State the template sets). */
  state: string;
  /** undefined for rules with an EventPattern only (not emulated). */
  scheduleExpression?: string;
  /** The parsed schedule; undefined when the expression is not supported (a ⚠ line said why). */
  schedule?: Schedule;
  targets: LocalRuleTarget[];
  /** When the rule runs next; undefined when it is not scheduled (disabled, unsupported, stopped, never again). */
  nextRun?: Date;
}

/** No rule has this logical id, name or ARN. */
export class UnknownRuleError extends Error {
  constructor(
    reference: string,
    readonly known: string[],
  ) {
    super(`No rule ${reference}; known: ${known.join(', ') || 'none'}`);
    this.name = 'UnknownRuleError';
  }
}

/** The rule exists but has no schedule (an EventPattern rule): there is no event to send. */
export class RuleNotFireableError extends Error {
  constructor(rule: LocalRule) {
    super(`Rule ${rule.ruleName} has no ScheduleExpression (EventPattern rules are not emulated)`);
    this.name = 'RuleNotFireableError';
  }
}

/** Registers every rule's Ref (its name) and Arn, so other resources (e.g. Lambda permissions) resolve. */
export function registerRuleNames(template: CfnTemplate, resolver: IntrinsicResolver): void {
  const { stackName, region, accountId } = resolver.context;
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Events::Rule')) {
    const props = resource.Properties ?? {};
    const name = props.Name !== undefined ? resolver.resolveString(props.Name) : `${stackName}-${logicalId}`;
    const bus = props.EventBusName !== undefined ? resolver.resolveString(props.EventBusName) : 'default';
    const busPart = bus === 'default' || bus.endsWith(':event-bus/default') ? '' : `${bus.split('/').pop()}/`;
    resolver.register(logicalId, {
      ref: name,
      attributes: { Arn: formatArn({ service: 'events', region, accountId, resource: `rule/${busPart}${name}` }) },
    });
  }
}

/** Reads every AWS::Events::Rule; logs a ⚠ line for what is not emulated. */
export function readRules(
  template: CfnTemplate,
  resolver: IntrinsicResolver,
  functionsByArn: Map<string, LocalFunction>,
  log: (line: string) => void,
): LocalRule[] {
  const rules: LocalRule[] = [];
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Events::Rule')) {
    if (resource.Condition && !resolver.isConditionTrue(resource.Condition)) continue;
    const props = resolver.resolve(resource.Properties ?? {}) as {
      ScheduleExpression?: string;
      EventPattern?: unknown;
      State?: string;
      Targets?: {
        Id?: string;
        Arn?: string;
        Input?: string;
        InputPath?: string;
        InputTransformer?: unknown;
      }[];
    };
    const ruleName = resolver.resolveString({ Ref: logicalId });
    const rule: LocalRule = {
      logicalId,
      ruleName,
      ruleArn: resolver.resolveString({ 'Fn::GetAtt': [logicalId, 'Arn'] }),
      state: props.State ?? 'ENABLED',
      targets: [],
    };
    rules.push(rule);
    if (props.ScheduleExpression === undefined) {
      log(`⚠ rule ${ruleName}: EventPattern rules are not emulated (only ScheduleExpression), skipped`);
      continue;
    }
    rule.scheduleExpression = props.ScheduleExpression;
    try {
      rule.schedule = parseScheduleExpression(props.ScheduleExpression);
    } catch (error) {
      log(`⚠ rule ${ruleName}: ${(error as Error).message}; not scheduled (it can still be fired by hand)`);
    }
    for (const target of props.Targets ?? []) {
      const id = String(target.Id ?? '?');
      const arn = String(target.Arn ?? '');
      const fn = functionsByArn.get(unqualifiedFunctionArn(arn));
      if (!fn) {
        log(`⚠ rule ${ruleName}: target ${id} (${arn}) is not emulated (only local Lambda functions), skipped`);
        continue;
      }
      if (target.InputTransformer !== undefined) {
        log(`⚠ rule ${ruleName}: target ${id} uses an InputTransformer, which is not emulated, skipped`);
        continue;
      }
      if (target.InputPath !== undefined && !/^\$(\.[A-Za-z0-9_-]+)*$/.test(target.InputPath)) {
        log(
          `⚠ rule ${ruleName}: target ${id} InputPath ${target.InputPath} is not emulated (only $.a.b paths), skipped`,
        );
        continue;
      }
      rule.targets.push({
        id,
        fn,
        ...(target.Input !== undefined ? { input: parseInput(target.Input) } : {}),
        ...(target.InputPath !== undefined ? { inputPath: target.InputPath } : {}),
      });
    }
  }
  return rules;
}

/** Input is JSON text (CloudFormation takes it as a string; some templates pass an object). */
function parseInput(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}

/** The event EventBridge sends for a scheduled rule. `time` is the scheduled time, to the second. */
export function scheduledEvent(rule: LocalRule, time: Date, region: string, accountId: string) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: accountId,
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [rule.ruleArn],
    detail: {},
  };
}

function payloadFor(target: LocalRuleTarget, event: ReturnType<typeof scheduledEvent>): unknown {
  if ('input' in target) return target.input;
  if (target.inputPath) {
    let value: unknown = event;
    for (const key of target.inputPath.split('.').slice(1)) value = isRecord(value) ? value[key] : undefined;
    return value;
  }
  return event;
}

/** The timer functions the scheduler uses; tests pass fakes. */
export interface SchedulerClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): { unref?(): unknown };
  clearTimeout(handle: { unref?(): unknown }): void;
}

const realClock: SchedulerClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface RuleSchedulerOptions {
  rules: LocalRule[];
  region: string;
  accountId: string;
  log: (line: string) => void;
  clock?: SchedulerClock;
}

/**
 * Runs enabled scheduled rules on timers. Timers are unref'd (they never keep the process alive)
 * and cleared by stop(). Like EventBridge, a run does not wait for the previous one, and runs
 * missed while the process was asleep are skipped, not caught up.
 */
export class RuleScheduler {
  readonly rules: LocalRule[];
  private readonly clock: SchedulerClock;
  private readonly timers = new Map<string, { unref?(): unknown }>();
  private startedAt = 0;
  private stopped = false;

  constructor(private readonly options: RuleSchedulerOptions) {
    this.rules = options.rules;
    this.clock = options.clock ?? realClock;
  }

  /** Starts a timer for every ENABLED rule with a supported schedule and at least one target. */
  start(): void {
    this.startedAt = this.clock.now();
    for (const rule of this.rules) {
      if (rule.schedule && rule.state === 'ENABLED' && rule.targets.length) this.arm(rule, this.startedAt);
    }
  }

  /** Timers currently set (one per scheduled rule). */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** The rule with this logical id, name or ARN. */
  find(reference: string): LocalRule {
    const rule = this.rules.find(
      (r) => r.logicalId === reference || r.ruleName === reference || r.ruleArn === reference,
    );
    if (!rule)
      throw new UnknownRuleError(
        reference,
        this.rules.map((r) => r.logicalId),
      );
    return rule;
  }

  /**
   * Sends the rule's event to each of its targets now and resolves with their results in target
   * order; rejects with the first failure. Works for disabled rules too (an explicit request).
   */
  async fire(reference: string, time = new Date(this.clock.now())): Promise<unknown[]> {
    const rule = this.find(reference);
    if (rule.scheduleExpression === undefined) throw new RuleNotFireableError(rule);
    const event = scheduledEvent(rule, time, this.options.region, this.options.accountId);
    return Promise.all(rule.targets.map((target) => target.fn.invoke(payloadFor(target, event))));
  }

  /** Clears every timer; runs in flight finish (or fail when their function stops). Idempotent. */
  stop(): Promise<void> {
    this.stopped = true;
    for (const handle of this.timers.values()) this.clock.clearTimeout(handle);
    this.timers.clear();
    for (const rule of this.rules) delete rule.nextRun;
    return Promise.resolve();
  }

  private arm(rule: LocalRule, after: number): void {
    const next = nextRun(rule.schedule!, new Date(after), new Date(this.startedAt));
    if (next) rule.nextRun = next;
    else delete rule.nextRun;
    if (next) this.setTimer(rule, next.getTime());
  }

  private setTimer(rule: LocalRule, at: number): void {
    if (this.stopped) return;
    const delay = Math.min(Math.max(0, at - this.clock.now()), MAX_TIMER_DELAY_MS);
    const handle = this.clock.setTimeout(() => {
      this.timers.delete(rule.logicalId);
      if (this.stopped) return;
      if (this.clock.now() < at) return this.setTimer(rule, at); // a long wait taken in steps (or a timer a tick early)
      this.runScheduled(rule, at);
      this.arm(rule, Math.max(at, this.clock.now()));
    }, delay);
    handle.unref?.();
    this.timers.set(rule.logicalId, handle);
  }

  private runScheduled(rule: LocalRule, at: number): void {
    const event = scheduledEvent(rule, new Date(at), this.options.region, this.options.accountId);
    for (const target of rule.targets) {
      this.invokeAsynchronously(target.fn, payloadFor(target, event)).catch((error: Error) => {
        if (!this.stopped)
          this.options.log(`rule ${rule.ruleName} → ${target.fn.functionName} failed: ${error.name}: ${error.message}`);
      });
    }
  }

  /** EventBridge invokes asynchronously: Lambda's event queue retries throttled events with backoff. */
  private async invokeAsynchronously(fn: LocalFunction, payload: unknown): Promise<unknown> {
    const givenUpAt = Date.now() + MAX_EVENT_AGE_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn.invoke(payload);
      } catch (error) {
        if (!(error instanceof LambdaThrottledError) || this.stopped || Date.now() > givenUpAt) throw error;
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(1000 * 2 ** attempt, MAX_THROTTLE_BACKOFF_MS)).unref(),
        );
        if (this.stopped) throw error;
      }
    }
  }
}

/** One startup-report line per rule. */
export function describeRule(rule: LocalRule, scheduling: boolean): string {
  const targets = rule.targets.map((t) => t.fn.functionName).join(', ') || 'no emulated target';
  const what = rule.scheduleExpression ?? 'EventPattern';
  let status: string;
  if (rule.scheduleExpression === undefined) status = 'not emulated';
  else if (!rule.schedule) status = 'schedule not supported, fire by hand';
  else if (rule.state !== 'ENABLED') status = `${rule.state}, not scheduled`;
  else if (!rule.targets.length) status = 'no emulated target, not scheduled';
  else if (!scheduling) status = 'schedules off, fire by hand';
  else if (rule.nextRun) status = `next run ${rule.nextRun.toISOString()}`;
  else status = 'never runs again';
  return `rule      ${rule.ruleName} ${what} → ${targets} (${status})`;
}
