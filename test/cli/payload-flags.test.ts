import { z } from 'zod';
import type { JsonSchema } from '../../src/client/job-types';
import { flagName, flagValue, payloadFlags, payloadFlagsHelp, PayloadFlagError } from '../../src/cli/payload-flags';

const schemaOf = (schema: z.ZodType): JsonSchema => z.toJSONSchema(schema, { io: 'input' }) as JsonSchema;

const payload = z.strictObject({
  to: z.email(),
  priority: z.enum(['low', 'high']).optional(),
  retries: z.number().int().min(0).max(5).optional(),
  ratio: z.number().optional(),
  urgent: z.boolean().optional(),
  simulateFailures: z.number().int().optional(),
  headers: z.record(z.string(), z.string()),
  delay: z.string().optional(),
});

describe('payload flags from a JSON Schema', () => {
  const flags = payloadFlags(schemaOf(payload), new Set(['delay', 'wait']));
  const byField = Object.fromEntries(flags.flags.map((flag) => [flag.field, flag]));

  test('each property a shell word can hold is a flag of its kind; required comes from the schema', () => {
    expect(flags.flags.map((flag) => [flag.flag, flag.kind, flag.required])).toEqual([
      ['to', 'string', true],
      ['priority', 'enum', false],
      ['retries', 'integer', false],
      ['ratio', 'number', false],
      ['urgent', 'boolean', false],
      ['simulate-failures', 'integer', false],
    ]);
    expect(byField.priority?.values).toEqual(['low', 'high']);
    expect(byField.to?.notes).toContain('email');
    expect(byField.retries?.notes).toContain('0–5');
  });

  test('objects, and fields whose flag the command already has, go through --data only', () => {
    expect(flags.dataOnly).toEqual([
      { field: 'headers', required: true, reason: 'its value is object' },
      { field: 'delay', required: false, reason: '--delay is an option of the command' },
    ]);
  });

  test('values are converted to the kind the schema asks for, and refused when they are not of it', () => {
    expect(flagValue(byField.retries!, '3')).toBe(3);
    expect(flagValue(byField.ratio!, '0.5')).toBe(0.5);
    expect(flagValue(byField.urgent!, false)).toBe(false);
    expect(flagValue(byField.priority!, 'high')).toBe('high');
    expect(() => flagValue(byField.retries!, '1.5')).toThrow(
      new PayloadFlagError('--retries must be a whole number, not "1.5"'),
    );
    expect(() => flagValue(byField.ratio!, 'lots')).toThrow(/--ratio must be a number, not "lots"/);
    expect(() => flagValue(byField.priority!, 'urgent')).toThrow(/--priority must be one of low, high, not "urgent"/);
  });

  test('the help lists every flag with what the schema says, and the --data-only fields', () => {
    const help = payloadFlagsHelp(flags);
    expect(help).toMatch(/^ {2}--to <text> +required · email$/m);
    expect(help).toMatch(/^ {2}--priority low\|high +optional$/m);
    expect(help).toMatch(/^ {2}--\[no-\]urgent +optional$/m);
    expect(help).toMatch(/^ {2}\(headers\) +required · only through --data: its value is object$/m);
  });

  test('flag names are kebab-case', () => {
    expect(flagName('simulateFailures')).toBe('simulate-failures');
    expect(flagName('max_items')).toBe('max-items');
    expect(flagName('URL')).toBe('url');
  });
});
