import type { JsonSchema, JsonSchemaTypeName } from '../client/job-types';

/**
 * Command-line flags derived from a job type's payload JSON Schema: one flag per top-level
 * property whose value a shell word can hold (string, number, integer, boolean, enum). Whatever
 * else a payload has (objects, arrays, unions) goes through `--data`.
 */
export interface PayloadFlag {
  /** The payload property. */
  field: string;
  /** The flag without its dashes: `simulateFailures` → `simulate-failures`. */
  flag: string;
  kind: 'string' | 'number' | 'integer' | 'boolean' | 'enum';
  required: boolean;
  /** For `enum`: the values allowed. */
  values?: readonly (string | number | boolean)[];
  /** What the schema says about the value beyond its kind (format, bounds, description). */
  notes: string[];
}

export interface PayloadFlags {
  flags: PayloadFlag[];
  /** Properties only `--data` can set, and why. */
  dataOnly: { field: string; required: boolean; reason: string }[];
}

export class PayloadFlagError extends Error {
  override readonly name = 'PayloadFlagError';
}

/** `simulateFailures` → `simulate-failures`, `max_items` → `max-items`. */
export function flagName(field: string): string {
  return field
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase();
}

/** The one non-null type a schema allows, if it names exactly one. */
function singleType(schema: JsonSchema): JsonSchemaTypeName | undefined {
  const types = (Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : []).filter(
    (type) => type !== 'null',
  );
  return types.length === 1 ? types[0] : undefined;
}

/** The values an enum allows: `enum`, `const`, or a union of `const`s. */
function enumValues(schema: JsonSchema): (string | number | boolean)[] | undefined {
  const plain = (values: readonly unknown[]) =>
    values.filter((value): value is string | number | boolean => value !== null && typeof value !== 'object');
  if (schema.enum) return plain(schema.enum);
  if (schema.const !== undefined) return plain([schema.const]);
  const members = schema.anyOf ?? schema.oneOf;
  if (members && members.length > 0 && members.every((member) => member.const !== undefined)) {
    return plain(members.map((member) => member.const));
  }
  return undefined;
}

function notesOf(schema: JsonSchema): string[] {
  const notes: string[] = [];
  if (schema.format) notes.push(schema.format);
  const min = schema.minimum ?? schema.exclusiveMinimum;
  const max = schema.maximum ?? schema.exclusiveMaximum;
  const huge = (n: number | undefined) => n !== undefined && Math.abs(n) >= Number.MAX_SAFE_INTEGER;
  if (min !== undefined && max !== undefined && !huge(min) && !huge(max)) notes.push(`${min}–${max}`);
  else if (min !== undefined && !huge(min)) notes.push(`≥ ${min}`);
  else if (max !== undefined && !huge(max)) notes.push(`≤ ${max}`);
  if (schema.minLength !== undefined && schema.maxLength !== undefined)
    notes.push(`${schema.minLength}–${schema.maxLength} characters`);
  else if (schema.maxLength !== undefined) notes.push(`at most ${schema.maxLength} characters`);
  if (schema.description) notes.push(schema.description);
  return notes;
}

/**
 * The flags for a payload schema. A property whose flag would shadow one of the command's own
 * options (`reserved`, such as `delay` or `wait`) is settable through `--data` only.
 */
export function payloadFlags(schema: JsonSchema, reserved: ReadonlySet<string>): PayloadFlags {
  const required = new Set(schema.required ?? []);
  const result: PayloadFlags = { flags: [], dataOnly: [] };
  const taken = new Map<string, string>();
  for (const [field, property] of Object.entries(schema.properties ?? {})) {
    const flag = flagName(field);
    const isRequired = required.has(field);
    if (reserved.has(flag)) {
      result.dataOnly.push({ field, required: isRequired, reason: `--${flag} is an option of the command` });
      continue;
    }
    if (taken.has(flag)) {
      result.dataOnly.push({ field, required: isRequired, reason: `--${flag} is already ${taken.get(flag)}'s flag` });
      continue;
    }
    const values = enumValues(property);
    const type = singleType(property);
    let kind: PayloadFlag['kind'] | undefined;
    if (values) kind = 'enum';
    else if (type === 'string' || type === 'number' || type === 'integer' || type === 'boolean') kind = type;
    if (!kind) {
      result.dataOnly.push({ field, required: isRequired, reason: `its value is ${type ?? 'not a single type'}` });
      continue;
    }
    taken.set(flag, field);
    result.flags.push({
      field,
      flag,
      kind,
      required: isRequired,
      ...(values ? { values } : {}),
      notes: notesOf(property),
    });
  }
  return result;
}

/** A flag's value as the payload wants it; a value of the wrong kind is a {@link PayloadFlagError}. */
export function flagValue(flag: PayloadFlag, raw: string | boolean): unknown {
  if (flag.kind === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    throw new PayloadFlagError(`--${flag.flag} is a switch: give --${flag.flag} or --no-${flag.flag}`);
  }
  const text = String(raw);
  if (flag.kind === 'string') return text;
  if (flag.kind === 'enum') {
    const match = (flag.values ?? []).find((value) => String(value) === text);
    if (match === undefined) {
      throw new PayloadFlagError(`--${flag.flag} must be one of ${(flag.values ?? []).join(', ')}, not "${text}"`);
    }
    return match;
  }
  const number = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(number)) throw new PayloadFlagError(`--${flag.flag} must be a number, not "${text}"`);
  if (flag.kind === 'integer' && !Number.isInteger(number)) {
    throw new PayloadFlagError(`--${flag.flag} must be a whole number, not "${text}"`);
  }
  return number;
}

/** The `parseArgs` option of each flag (booleans also accept `--no-<flag>`). */
export function parseArgsOptions(flags: PayloadFlags): Record<string, { type: 'string' | 'boolean' }> {
  return Object.fromEntries(
    flags.flags.map((flag) => [flag.flag, { type: flag.kind === 'boolean' ? 'boolean' : 'string' }] as const),
  );
}

/** The help lines of a type's flags: `  --to <email>   required · email`. */
export function payloadFlagsHelp(flags: PayloadFlags): string {
  const placeholder = (flag: PayloadFlag) =>
    flag.kind === 'boolean'
      ? `--[no-]${flag.flag}`
      : flag.kind === 'enum'
        ? `--${flag.flag} ${(flag.values ?? []).join('|')}`
        : `--${flag.flag} <${flag.kind === 'string' ? 'text' : flag.kind}>`;
  const rows: [string, string[]][] = [
    ...flags.flags.map((flag): [string, string[]] => [
      placeholder(flag),
      [flag.required ? 'required' : 'optional', ...flag.notes],
    ]),
    ...flags.dataOnly.map((entry): [string, string[]] => [
      `(${entry.field})`,
      [entry.required ? 'required' : 'optional', `only through --data: ${entry.reason}`],
    ]),
  ];
  if (rows.length === 0) return '  (no fields)';
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, notes]) => `  ${left.padEnd(width)}  ${notes.join(' · ')}`).join('\n');
}
