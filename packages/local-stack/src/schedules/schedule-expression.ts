/**
 * EventBridge schedule expressions: `rate(N unit)` and the six-field `cron(...)`, always UTC.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
 *
 * Supported cron syntax: `*`, `?`, lists (`,`), ranges (`-`, wrapping allowed), steps (`/`),
 * month and weekday names, and the special forms `L`, `LW` and `nW` (day of month), `nL`, `L` and
 * `n#k` (day of week; 1 = SUN … 7 = SAT, like EventBridge). One of day-of-month and day-of-week must be `?`.
 */

export type Schedule =
  { kind: 'rate'; expression: string; periodMs: number } | { kind: 'cron'; expression: string; fields: CronFields };

export class ScheduleExpressionError extends Error {
  constructor(expression: string, reason: string) {
    super(`${expression}: ${reason}`);
    this.name = 'ScheduleExpressionError';
  }
}

const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/** Parses a ScheduleExpression; throws ScheduleExpressionError with the reason when it is not valid (or not supported). */
export function parseScheduleExpression(expression: string): Schedule {
  const text = expression.trim();
  const rate = /^rate\((.*)\)$/.exec(text);
  if (rate) {
    const match = /^\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*$/.exec(rate[1]!);
    if (!match) throw new ScheduleExpressionError(expression, 'expected rate(N minute[s]|hour[s]|day[s])');
    const value = Number(match[1]);
    const unit = match[2]!;
    if (value < 1) throw new ScheduleExpressionError(expression, 'the rate must be a positive whole number');
    // EventBridge insists: 1 takes the singular unit, anything else the plural.
    if ((value === 1) !== !unit.endsWith('s'))
      throw new ScheduleExpressionError(expression, value === 1 ? 'use the singular unit for 1' : 'use a plural unit');
    return {
      kind: 'rate',
      expression: text,
      periodMs: value * UNIT_MS[unit.replace(/s$/, '') as keyof typeof UNIT_MS],
    };
  }
  const cron = /^cron\((.*)\)$/.exec(text);
  if (cron) return { kind: 'cron', expression: text, fields: parseCronFields(expression, cron[1]!) };
  throw new ScheduleExpressionError(expression, 'expected rate(...) or cron(...)');
}

/**
 * The first run strictly after `after`. A rate schedule runs every period from `start` (its first
 * run is one period after start, never at start); a cron schedule at every matching UTC minute.
 * undefined when a cron expression never matches again (e.g. a past year or February 30).
 */
export function nextRun(schedule: Schedule, after: Date, start: Date = after): Date | undefined {
  if (schedule.kind === 'rate') {
    const elapsed = after.getTime() - start.getTime();
    const periods = elapsed < 0 ? 1 : Math.floor(elapsed / schedule.periodMs) + 1;
    return new Date(start.getTime() + periods * schedule.periodMs);
  }
  return nextCronRun(schedule.fields, after);
}

// ---------------------------------------------------------------------------------------------
// cron

interface DayOfMonthSpec {
  values: Set<number>;
  last: boolean; // L
  lastWeekday: boolean; // LW
  nearestWeekday: number[]; // 15W
}

interface DayOfWeekSpec {
  values: Set<number>; // 1 = SUN … 7 = SAT
  last: number[]; // 6L = the last Friday of the month
  nth: [number, number][]; // 6#3 = the third Friday
}

export interface CronFields {
  minutes: Set<number>;
  hours: Set<number>;
  months: Set<number>;
  years: Set<number>;
  /** Exactly one of these is set (the other field is `?`). */
  daysOfMonth?: DayOfMonthSpec;
  daysOfWeek?: DayOfWeekSpec;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MIN_YEAR = 1970;
const MAX_YEAR = 2199;

interface FieldRange {
  name: string;
  min: number;
  max: number;
  names?: string[]; // names[i] is min + i
}

function parseCronFields(expression: string, body: string): CronFields {
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6)
    throw new ScheduleExpressionError(
      expression,
      `cron needs 6 fields (minutes hours day-of-month month day-of-week year), got ${parts.length}`,
    );
  const [minute, hour, dayOfMonth, month, dayOfWeek, year] = parts as [string, string, string, string, string, string];
  const fail = (reason: string): never => {
    throw new ScheduleExpressionError(expression, reason);
  };
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) fail('exactly one of day-of-month and day-of-week must be ?');

  const fields: CronFields = {
    minutes: parseList(minute, { name: 'minutes', min: 0, max: 59 }, fail),
    hours: parseList(hour, { name: 'hours', min: 0, max: 23 }, fail),
    months: parseList(month, { name: 'month', min: 1, max: 12, names: MONTHS }, fail),
    years: parseList(year, { name: 'year', min: MIN_YEAR, max: MAX_YEAR }, fail),
  };
  if (dayOfMonth !== '?') {
    const spec: DayOfMonthSpec = { values: new Set(), last: false, lastWeekday: false, nearestWeekday: [] };
    const plain: string[] = [];
    for (const item of dayOfMonth.split(',')) {
      if (item === 'L') spec.last = true;
      else if (item === 'LW') spec.lastWeekday = true;
      else if (/^\d+W$/.test(item)) {
        const day = Number(item.slice(0, -1));
        if (day < 1 || day > 31) fail(`day-of-month ${item}: the day must be 1-31`);
        spec.nearestWeekday.push(day);
      } else plain.push(item);
    }
    if (plain.length) spec.values = parseList(plain.join(','), { name: 'day-of-month', min: 1, max: 31 }, fail);
    fields.daysOfMonth = spec;
  }
  if (dayOfWeek !== '?') {
    const spec: DayOfWeekSpec = { values: new Set(), last: [], nth: [] };
    const plain: string[] = [];
    const weekday = (text: string) => {
      const index = WEEKDAYS.indexOf(text.toUpperCase());
      const value = index >= 0 ? index + 1 : /^\d+$/.test(text) ? Number(text) : NaN;
      if (!(value >= 1 && value <= 7)) fail(`day-of-week ${text}: expected 1-7 or SUN-SAT`);
      return value;
    };
    for (const item of dayOfWeek.split(',')) {
      if (item === 'L')
        spec.values.add(7); // a bare L is the last day of the week, Saturday
      else if (/^\w+L$/.test(item)) spec.last.push(weekday(item.slice(0, -1)));
      else if (item.includes('#')) {
        const [day = '', nth = ''] = item.split('#');
        if (!/^[1-5]$/.test(nth)) fail(`day-of-week ${item}: the week after # must be 1-5`);
        spec.nth.push([weekday(day), Number(nth)]);
      } else plain.push(item);
    }
    if (plain.length)
      for (const value of parseList(plain.join(','), { name: 'day-of-week', min: 1, max: 7, names: WEEKDAYS }, fail))
        spec.values.add(value);
    fields.daysOfWeek = spec;
  }
  return fields;
}

/** `*`, `a`, `a-b`, `a/s`, `*\/s`, `a-b/s` and lists of those. */
function parseList(text: string, range: FieldRange, fail: (reason: string) => never): Set<number> {
  const values = new Set<number>();
  const value = (token: string): number => {
    const index = range.names?.indexOf(token.toUpperCase()) ?? -1;
    const n = index >= 0 ? range.min + index : /^\d+$/.test(token) ? Number(token) : NaN;
    if (!(n >= range.min && n <= range.max))
      fail(
        `${range.name} ${token}: expected ${range.min}-${range.max}${range.names ? ` or ${range.names[0]}-${range.names.at(-1)}` : ''}`,
      );
    return n;
  };
  for (const item of text.split(',')) {
    if (item === '') fail(`${range.name}: empty list item in ${text}`);
    if (item === '?') fail(`${range.name}: ? is only allowed in day-of-month or day-of-week`);
    const [base = '', stepText, ...rest] = item.split('/');
    if (rest.length) fail(`${range.name} ${item}: more than one /`);
    let step = 1;
    if (stepText !== undefined) {
      step = /^\d+$/.test(stepText) ? Number(stepText) : NaN;
      if (!(step >= 1)) fail(`${range.name} ${item}: the step must be a positive number`);
    }
    let from: number;
    let to: number;
    if (base === '*') [from, to] = [range.min, range.max];
    else if (base.includes('-')) {
      const [a = '', b = '', ...more] = base.split('-');
      if (more.length) fail(`${range.name} ${item}: malformed range`);
      [from, to] = [value(a), value(b)];
    } else {
      from = value(base);
      to = stepText === undefined ? from : range.max; // a/s: from a to the end
    }
    // A wrapping range (e.g. FRI-MON, 22-2) runs past the end and restarts at the beginning.
    const span = to >= from ? to - from : to - from + (range.max - range.min + 1);
    for (let offset = 0; offset <= span; offset += step) {
      let n = from + offset;
      if (n > range.max) n -= range.max - range.min + 1;
      values.add(n);
    }
  }
  return values;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate(); // month is 1-based: day 0 of the next month
}

/** 1 = SUN … 7 = SAT */
function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

function isWeekday(year: number, month: number, day: number): boolean {
  const weekday = weekdayOf(year, month, day);
  return weekday >= 2 && weekday <= 6;
}

/** The weekday nearest to `day` within the same month (Quartz's W). */
function nearestWeekday(year: number, month: number, day: number): number {
  const last = daysInMonth(year, month);
  const target = Math.min(day, last);
  const weekday = weekdayOf(year, month, target);
  if (weekday === 7) return target === 1 ? 3 : target - 1; // Saturday: Friday, or Monday the 3rd
  if (weekday === 1) return target === last ? target - 2 : target + 1; // Sunday: Monday, or Friday
  return target;
}

function dayMatches(fields: CronFields, year: number, month: number, day: number): boolean {
  const last = daysInMonth(year, month);
  const dom = fields.daysOfMonth;
  if (dom) {
    if (dom.values.has(day) || (dom.last && day === last)) return true;
    if (dom.lastWeekday) {
      let lastWeekday = last;
      while (!isWeekday(year, month, lastWeekday)) lastWeekday--;
      if (day === lastWeekday) return true;
    }
    return dom.nearestWeekday.some((target) => nearestWeekday(year, month, target) === day);
  }
  const dow = fields.daysOfWeek!;
  const weekday = weekdayOf(year, month, day);
  if (dow.values.has(weekday)) return true;
  if (dow.last.includes(weekday) && day + 7 > last) return true;
  return dow.nth.some(([wanted, nth]) => wanted === weekday && Math.ceil(day / 7) === nth);
}

function nextCronRun(fields: CronFields, after: Date): Date | undefined {
  // The first whole minute strictly after `after`.
  const from = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
  const sorted = (set: Set<number>) => [...set].sort((a, b) => a - b);
  const [minutes, hours, months, years] = [fields.minutes, fields.hours, fields.months, fields.years].map(sorted) as [
    number[],
    number[],
    number[],
    number[],
  ];
  const fromYear = from.getUTCFullYear();
  for (const year of years) {
    if (year < fromYear) continue;
    for (const month of months) {
      if (year === fromYear && month < from.getUTCMonth() + 1) continue;
      const sameMonth = year === fromYear && month === from.getUTCMonth() + 1;
      for (let day = sameMonth ? from.getUTCDate() : 1; day <= daysInMonth(year, month); day++) {
        if (!dayMatches(fields, year, month, day)) continue;
        const sameDay = sameMonth && day === from.getUTCDate();
        for (const hour of hours) {
          if (sameDay && hour < from.getUTCHours()) continue;
          const sameHour = sameDay && hour === from.getUTCHours();
          const minute = minutes.find((m) => !sameHour || m >= from.getUTCMinutes());
          if (minute !== undefined) return new Date(Date.UTC(year, month - 1, day, hour, minute));
        }
      }
    }
  }
  return undefined;
}
