/** Schedule expressions, next-run computation and the rule scheduler, on a fake clock (no emulators, no waiting). */
import { IntrinsicResolver } from '../src/cloudformation/intrinsics';
import type { LocalFunction } from '../src/lambda/lambda-function';
import { nextRun, parseScheduleExpression } from '../src/schedules/schedule-expression';
import {
  describeRule,
  readRules,
  registerRuleNames,
  RuleNotFireableError,
  RuleScheduler,
  UnknownRuleError,
  type LocalRule,
  type SchedulerClock,
} from '../src/schedules/scheduled-rules';
import type { CfnTemplate } from '../src/cloudformation/template';

const at = (iso: string) => new Date(iso);
const next = (expression: string, after: string) =>
  nextRun(parseScheduleExpression(expression), at(after))?.toISOString();

describe('parseScheduleExpression', () => {
  it('reads rate expressions, singular for 1 and plural otherwise, like EventBridge', () => {
    expect(parseScheduleExpression('rate(1 minute)')).toEqual({
      kind: 'rate',
      expression: 'rate(1 minute)',
      periodMs: 60_000,
    });
    expect(parseScheduleExpression('rate(5 minutes)')).toMatchObject({ periodMs: 300_000 });
    expect(parseScheduleExpression('rate(2 hours)')).toMatchObject({ periodMs: 7_200_000 });
    expect(parseScheduleExpression('rate(1 day)')).toMatchObject({ periodMs: 86_400_000 });
    for (const bad of ['rate(1 minutes)', 'rate(5 minute)', 'rate(0 minutes)', 'rate(1 week)', 'rate(1.5 hours)'])
      expect(() => parseScheduleExpression(bad)).toThrow(/^rate\(.*\): /);
    expect(() => parseScheduleExpression('every minute')).toThrow('expected rate(...) or cron(...)');
  });

  it('rejects malformed cron expressions with the reason', () => {
    const cases: [string, RegExp][] = [
      ['cron(0 3 * * MON-FRI *)', /exactly one of day-of-month and day-of-week must be \?/],
      ['cron(0 3 ? * ? *)', /exactly one of day-of-month and day-of-week must be \?/],
      ['cron(0 3 * * ?)', /cron needs 6 fields .* got 5/],
      ['cron(60 * * * ? *)', /minutes 60: expected 0-59/],
      ['cron(0 0 ? * 8 *)', /day-of-week 8: expected 1-7 or SUN-SAT/],
      ['cron(0 0 ? * 2#6 *)', /the week after # must be 1-5/],
      ['cron(L * * * ? *)', /minutes L: expected 0-59/],
      ['cron(0 0 ? 13 MON *)', /month 13: expected 1-12 or JAN-DEC/],
      ['cron(*/0 * * * ? *)', /the step must be a positive number/],
      ['cron(0 0 1 * ? 2200)', /year 2200: expected 1970-2199/],
    ];
    for (const [expression, reason] of cases) expect(() => parseScheduleExpression(expression)).toThrow(reason);
  });
});

describe('nextRun', () => {
  it('runs a rate schedule every period from its start, first one period after it', () => {
    const schedule = parseScheduleExpression('rate(1 minute)');
    const start = at('2025-01-01T10:00:30.250Z');
    const run = (after: string) => nextRun(schedule, at(after), start)?.toISOString();
    expect(nextRun(schedule, start)?.toISOString()).toBe('2025-01-01T10:01:30.250Z');
    expect(run('2025-01-01T10:01:30.250Z')).toBe('2025-01-01T10:02:30.250Z'); // strictly after
    expect(run('2025-01-01T10:05:00.000Z')).toBe('2025-01-01T10:05:30.250Z'); // missed runs are skipped
    expect(run('2025-01-01T09:00:00.000Z')).toBe('2025-01-01T10:01:30.250Z');
  });

  it('runs cron schedules at the next matching UTC minute, strictly after', () => {
    expect(next('cron(* * * * ? *)', '2025-01-01T10:07:00.000Z')).toBe('2025-01-01T10:08:00.000Z');
    expect(next('cron(* * * * ? *)', '2025-01-01T10:07:59.999Z')).toBe('2025-01-01T10:08:00.000Z');
    expect(next('cron(0/15 * * * ? *)', '2025-01-01T10:07:12Z')).toBe('2025-01-01T10:15:00.000Z');
    expect(next('cron(0/15 * * * ? *)', '2025-01-01T10:45:00Z')).toBe('2025-01-01T11:00:00.000Z');
    expect(next('cron(*/20 9-17 * * ? *)', '2025-01-01T17:40:00Z')).toBe('2025-01-02T09:00:00.000Z');
    expect(next('cron(5,35 * * * ? *)', '2025-01-01T10:05:00Z')).toBe('2025-01-01T10:35:00.000Z');
    // Weekday ranges and names: Friday 2025-01-03 after 03:00 → Monday.
    expect(next('cron(0 3 ? * MON-FRI *)', '2025-01-03T04:00:00Z')).toBe('2025-01-06T03:00:00.000Z');
    expect(next('cron(0 3 ? * 2-6 *)', '2025-01-03T04:00:00Z')).toBe('2025-01-06T03:00:00.000Z');
    // Year-end rollover, month names, year ranges.
    expect(next('cron(0 0 1 JAN,jul ? 2030-2031)', '2025-06-01T00:00:00Z')).toBe('2030-01-01T00:00:00.000Z');
    expect(next('cron(59 23 31 DEC ? *)', '2025-12-31T23:59:00Z')).toBe('2026-12-31T23:59:00.000Z');
    // A wrapping range: 22, 0 and 2 o'clock.
    expect(next('cron(30 22-2/2 * * ? *)', '2025-01-01T23:00:00Z')).toBe('2025-01-02T00:30:00.000Z');
    expect(next('cron(0 0 ? * FRI-MON *)', '2025-01-06T01:00:00Z')).toBe('2025-01-10T00:00:00.000Z');
    // Never again: no 29 February in 2025.
    expect(next('cron(0 0 29 2 ? 2025)', '2025-01-01T00:00:00Z')).toBeUndefined();
    expect(next('cron(0 0 29 2 ? *)', '2025-01-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
  });

  it('supports L, W and # (last day, nearest weekday, nth weekday)', () => {
    expect(next('cron(0 12 L * ? *)', '2024-02-10T00:00:00Z')).toBe('2024-02-29T12:00:00.000Z');
    expect(next('cron(0 12 L * ? *)', '2025-02-10T00:00:00Z')).toBe('2025-02-28T12:00:00.000Z');
    // 15 February 2025 is a Saturday: the nearest weekday is Friday the 14th.
    expect(next('cron(0 0 15W * ? *)', '2025-02-01T00:00:00Z')).toBe('2025-02-14T00:00:00.000Z');
    // 1 February 2025 is a Saturday: W stays in the month, so Monday the 3rd.
    expect(next('cron(0 0 1W * ? *)', '2025-01-31T12:00:00Z')).toBe('2025-02-03T00:00:00.000Z');
    // 31 August 2025 is a Sunday: the last weekday is Friday the 29th.
    expect(next('cron(0 0 LW * ? *)', '2025-08-01T00:00:00Z')).toBe('2025-08-29T00:00:00.000Z');
    // The third Friday and the last Monday of January 2025.
    expect(next('cron(0 9 ? * 6#3 *)', '2025-01-01T00:00:00Z')).toBe('2025-01-17T09:00:00.000Z');
    expect(next('cron(0 9 ? * FRI#3 *)', '2025-01-01T00:00:00Z')).toBe('2025-01-17T09:00:00.000Z');
    expect(next('cron(0 9 ? * 2L *)', '2025-01-01T00:00:00Z')).toBe('2025-01-27T09:00:00.000Z');
  });
});

/** A LocalFunction stand-in that records its events and returns them. */
function recordingFunction(functionName: string) {
  const events: unknown[] = [];
  const fn = {
    functionName,
    functionArn: `arn:aws:lambda:eu-west-1:000000000000:function:${functionName}`,
    invoke: async (event: unknown) => {
      events.push(event);
      return { got: event };
    },
  } as unknown as LocalFunction;
  return { fn, events };
}

/** setTimeout and friends on a clock that only moves when told to. */
function fakeClock(start: string) {
  let now = at(start).getTime();
  let nextId = 1;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const unrefed = new Set<number>();
  const cleared: number[] = [];
  const clock: SchedulerClock = {
    now: () => now,
    setTimeout(callback, ms) {
      const id = nextId++;
      timers.set(id, { at: now + ms, callback });
      return { id, unref: () => unrefed.add(id) };
    },
    clearTimeout(handle) {
      const { id } = handle as { id: number };
      cleared.push(id);
      timers.delete(id);
    },
  };
  /** Moves the clock by ms, then runs the timers due by then, earliest first. */
  const advance = (ms: number) => {
    now += ms;
    for (;;) {
      const due = [...timers.entries()].filter(([, t]) => t.at <= now).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      timers.delete(due[0]);
      due[1].callback();
    }
  };
  return { clock, timers, unrefed, cleared, advance };
}

const template: CfnTemplate = {
  Resources: {
    EveryMinute: {
      Type: 'AWS::Events::Rule',
      Properties: {
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        Targets: [
          { Id: 'T1', Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] } },
          { Id: 'T2', Arn: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Fn', 'Arn'] }, ':live']] }, Input: '{"a":1}' },
          { Id: 'T3', Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] }, InputPath: '$.resources' },
        ],
      },
    },
    Nightly: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: 'nightly',
        ScheduleExpression: 'cron(0 3 ? * MON-FRI *)',
        State: 'DISABLED',
        Targets: [{ Id: 'T', Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] } }],
      },
    },
    Pattern: {
      Type: 'AWS::Events::Rule',
      Properties: { EventPattern: { source: ['x'] }, Targets: [{ Id: 'T', Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] } }] },
    },
    Odd: {
      Type: 'AWS::Events::Rule',
      Properties: {
        ScheduleExpression: 'rate(5 minute)',
        Targets: [
          { Id: 'Queue', Arn: 'arn:aws:sqs:eu-west-1:000000000000:q' },
          { Id: 'Transformed', Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] }, InputTransformer: { InputTemplate: '"x"' } },
        ],
      },
    },
    Fn: { Type: 'AWS::Lambda::Function' },
  },
};

function rulesOf(fn: LocalFunction) {
  const resolver = new IntrinsicResolver(template, { stackName: 'S', region: 'eu-west-1', accountId: '000000000000' });
  resolver.register('Fn', { ref: 'fn', attributes: { Arn: fn.functionArn } });
  registerRuleNames(template, resolver);
  const warnings: string[] = [];
  const rules = readRules(template, resolver, new Map([[fn.functionArn, fn]]), (line) => warnings.push(line));
  return { rules, warnings };
}

describe('readRules', () => {
  it('reads names, ARNs, states and Lambda targets, and warns about what it does not emulate', () => {
    const { fn } = recordingFunction('fn');
    const { rules, warnings } = rulesOf(fn);
    expect(rules.map((r) => [r.logicalId, r.ruleName, r.ruleArn, r.state, r.targets.length])).toEqual([
      ['EveryMinute', 'S-EveryMinute', 'arn:aws:events:eu-west-1:000000000000:rule/S-EveryMinute', 'ENABLED', 3],
      ['Nightly', 'nightly', 'arn:aws:events:eu-west-1:000000000000:rule/nightly', 'DISABLED', 1],
      ['Pattern', 'S-Pattern', 'arn:aws:events:eu-west-1:000000000000:rule/S-Pattern', 'ENABLED', 0],
      ['Odd', 'S-Odd', 'arn:aws:events:eu-west-1:000000000000:rule/S-Odd', 'ENABLED', 0],
    ]);
    expect(rules[0]!.targets.map((t) => t.fn)).toEqual([fn, fn, fn]); // an alias ARN is the function too
    expect(warnings).toEqual([
      '⚠ rule S-Pattern: EventPattern rules are not emulated (only ScheduleExpression), skipped',
      '⚠ rule S-Odd: rate(5 minute): use a plural unit; not scheduled (it can still be fired by hand)',
      '⚠ rule S-Odd: target Queue (arn:aws:sqs:eu-west-1:000000000000:q) is not emulated (only local Lambda functions), skipped',
      '⚠ rule S-Odd: target Transformed uses an InputTransformer, which is not emulated, skipped',
    ]);
  });
});

describe('RuleScheduler', () => {
  const start = '2025-01-03T10:00:00.000Z';
  const setUp = () => {
    const { fn, events } = recordingFunction('fn');
    const { rules } = rulesOf(fn);
    const time = fakeClock(start);
    const logs: string[] = [];
    const scheduler = new RuleScheduler({
      rules,
      region: 'eu-west-1',
      accountId: '000000000000',
      log: (line) => logs.push(line),
      clock: time.clock,
    });
    return { scheduler, rules, events, time, logs };
  };
  const scheduledEvent = (time: string) => ({
    version: '0',
    id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time,
    region: 'eu-west-1',
    resources: ['arn:aws:events:eu-west-1:000000000000:rule/S-EveryMinute'],
    detail: {},
  });

  it('sets one unref’d timer per enabled, supported rule, fires on time and re-arms', async () => {
    const { scheduler, rules, events, time } = setUp();
    scheduler.start();
    expect(scheduler.pendingTimers).toBe(1); // not the disabled, EventPattern or unsupported rules
    expect(time.unrefed.size).toBe(1);
    expect(rules[0]!.nextRun?.toISOString()).toBe('2025-01-03T10:01:00.000Z');
    expect(rules.slice(1).map((r) => r.nextRun)).toEqual([undefined, undefined, undefined]);
    expect(describeRule(rules[0]!, true)).toBe(
      'rule      S-EveryMinute rate(1 minute) → fn, fn, fn (next run 2025-01-03T10:01:00.000Z)',
    );
    expect(describeRule(rules[1]!, true)).toBe(
      'rule      nightly cron(0 3 ? * MON-FRI *) → fn (DISABLED, not scheduled)',
    );

    time.advance(59_999);
    expect(events).toEqual([]);
    time.advance(1);
    await Promise.resolve();
    const event = scheduledEvent('2025-01-03T10:01:00Z');
    // Each target's payload: the event, the target's Input, the part of the event its InputPath selects.
    expect(events).toEqual([event, { a: 1 }, event.resources]);
    expect(rules[0]!.nextRun?.toISOString()).toBe('2025-01-03T10:02:00.000Z');
    expect(scheduler.pendingTimers).toBe(1);

    // Asleep until 10:03:50: one run on waking (the 10:02 one), 10:03 is skipped, then back on the period.
    time.advance(170_000);
    expect(events).toHaveLength(6);
    expect((events[3] as { time: string }).time).toBe('2025-01-03T10:02:00Z');
    expect(rules[0]!.nextRun?.toISOString()).toBe('2025-01-03T10:04:00.000Z');
  });

  it('stop() clears every timer, and nothing runs after it', async () => {
    const { scheduler, rules, events, time } = setUp();
    scheduler.start();
    const timerIds = [...time.timers.keys()];
    await scheduler.stop();
    expect(time.cleared).toEqual(timerIds);
    expect(time.timers.size).toBe(0);
    expect(scheduler.pendingTimers).toBe(0);
    expect(rules.every((rule) => rule.nextRun === undefined)).toBe(true);
    time.advance(10 * 60_000);
    expect(events).toEqual([]);
    await scheduler.stop(); // idempotent
  });

  it('waits past setTimeout’s 24.8-day limit in steps', () => {
    const { fn, events } = recordingFunction('fn');
    const rule: LocalRule = {
      logicalId: 'Far',
      ruleName: 'far',
      ruleArn: 'arn:aws:events:eu-west-1:000000000000:rule/far',
      state: 'ENABLED',
      scheduleExpression: 'cron(0 0 1 JAN ? 2026)',
      schedule: parseScheduleExpression('cron(0 0 1 JAN ? 2026)'),
      targets: [{ id: 'T', fn }],
    };
    const time = fakeClock(start);
    const scheduler = new RuleScheduler({
      rules: [rule],
      region: 'r',
      accountId: 'a',
      log: () => {},
      clock: time.clock,
    });
    scheduler.start();
    time.advance(2 ** 31 - 1); // the first step: still months to go
    expect(events).toEqual([]);
    expect(scheduler.pendingTimers).toBe(1);
    time.advance(at('2026-01-01T00:00:00Z').getTime() - time.clock.now());
    expect(events).toHaveLength(1);
    expect(rule.nextRun).toBeUndefined(); // 2026 only: never again
    expect(scheduler.pendingTimers).toBe(0);
  });

  it('fire() runs a rule now by logical id, name or ARN, disabled ones too', async () => {
    const { scheduler } = setUp();
    const [first, second, third] = (await scheduler.fire('EveryMinute')) as { got: unknown }[];
    expect(first!.got).toEqual(scheduledEvent('2025-01-03T10:00:00Z'));
    expect(second!.got).toEqual({ a: 1 });
    expect(third!.got).toEqual(['arn:aws:events:eu-west-1:000000000000:rule/S-EveryMinute']);
    expect(await scheduler.fire('nightly')).toHaveLength(1);
    expect(await scheduler.fire('arn:aws:events:eu-west-1:000000000000:rule/nightly')).toHaveLength(1);
    await expect(scheduler.fire('nope')).rejects.toBeInstanceOf(UnknownRuleError);
    await expect(scheduler.fire('Pattern')).rejects.toBeInstanceOf(RuleNotFireableError);
    expect(await scheduler.fire('Odd')).toEqual([]); // no emulated target: nothing to invoke
  });

  it('logs a scheduled run whose target fails', async () => {
    const { scheduler, rules, time, logs } = setUp();
    const failing = {
      functionName: 'broken',
      invoke: () => Promise.reject(Object.assign(new Error('boom'), { name: 'LambdaFunctionError' })),
    } as unknown as LocalFunction;
    rules[0]!.targets = [{ id: 'T', fn: failing }];
    scheduler.start();
    time.advance(60_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(logs).toEqual(['rule S-EveryMinute → broken failed: LambdaFunctionError: boom']);
  });
});
