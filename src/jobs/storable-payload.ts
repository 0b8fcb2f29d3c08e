import type { InvalidField } from './errors/validation-error';

/**
 * Limits a payload must meet to be stored in a DynamoDB item and read back unchanged. Checked
 * before anything is written, so a payload DynamoDB or the SDK would refuse is a 400 naming the
 * field, never a 500 after a half-done write.
 */

/**
 * DynamoDB nests an item's attributes at most 32 levels deep, and the payload is itself one of
 * the item's attributes: counting the payload object as level 1, 31 levels fit (measured against
 * DynamoDB Local: 31 stored, 32 refused with "Nesting Levels have exceeded supported limits").
 */
export const MAX_PAYLOAD_DEPTH = 31;

/**
 * A job item is at most 400 KB in DynamoDB and also carries history (50 entries), result and
 * error; 128 KiB of payload JSON (UTF-8) leaves room for all of them.
 */
export const MAX_PAYLOAD_BYTES = 128 * 1024;

/**
 * Numbers are stored as DynamoDB numbers and read back as JavaScript numbers: DynamoDB keeps 38
 * digits for magnitudes from 1e-130 to below 1e126, and the SDK refuses (and reads back as a
 * BigInt) integers beyond 2^53 − 1. So a payload number must be 0, or in magnitude at least
 * 1e-130 and at most 2^53 − 1. Larger values belong in strings. (Infinity arrives as 1e400.)
 */
export const MIN_NUMBER_MAGNITUDE = 1e-130;
export const MAX_NUMBER_MAGNITUDE = Number.MAX_SAFE_INTEGER;

const MAX_REPORTED_FIELDS = 10;

function numberProblem(value: number): string | undefined {
  if (!Number.isFinite(value)) return 'must be a finite number';
  const magnitude = Math.abs(value);
  if (magnitude > MAX_NUMBER_MAGNITUDE) {
    return `must be at most ${MAX_NUMBER_MAGNITUDE} in magnitude (send larger numbers as strings)`;
  }
  if (magnitude !== 0 && magnitude < MIN_NUMBER_MAGNITUDE) return 'must be 0 or at least 1e-130 in magnitude';
  return undefined;
}

/** An empty key is named `""`: a problem never names an empty field. */
const join = (path: string, key: string | number): string => {
  const segment = key === '' ? '""' : String(key);
  return path === '' ? segment : `${path}.${segment}`;
};

/**
 * Every reason `payload` cannot be stored, each naming its field (`prefix.a.b`); empty when it
 * can. `prefix` is where the payload sits in the request (`payload`, or '' when the body is it).
 */
export function payloadStorageProblems(payload: unknown, prefix: string): InvalidField[] {
  const fields: InvalidField[] = [];
  const bytes = Buffer.byteLength(JSON.stringify(payload) ?? '', 'utf8');
  if (bytes > MAX_PAYLOAD_BYTES) {
    fields.push({
      field: prefix === '' ? '(body)' : prefix,
      message: `must be at most ${MAX_PAYLOAD_BYTES} bytes of JSON, is ${bytes}`,
    });
  }
  const visit = (value: unknown, path: string, depth: number): void => {
    if (fields.length >= MAX_REPORTED_FIELDS) return;
    if (typeof value === 'number') {
      const problem = numberProblem(value);
      if (problem) fields.push({ field: path || '(body)', message: problem });
    } else if (typeof value === 'string') {
      if (!value.isWellFormed()) fields.push({ field: path || '(body)', message: 'must be well-formed Unicode' });
    } else if (typeof value === 'object' && value !== null) {
      if (depth > MAX_PAYLOAD_DEPTH) {
        fields.push({ field: path, message: `must be nested at most ${MAX_PAYLOAD_DEPTH} levels deep` });
        return;
      }
      const entries: [string | number, unknown][] = Array.isArray(value) ? [...value.entries()] : Object.entries(value);
      for (const [key, child] of entries) {
        if (typeof key === 'string' && (key === '' || !key.isWellFormed())) {
          // DynamoDB refuses empty attribute names, and names that are not UTF-8.
          fields.push({ field: join(path, key), message: 'must have a non-empty, well-formed Unicode name' });
        }
        visit(child, join(path, key), depth + 1);
      }
    }
  };
  visit(payload, prefix, 1);
  return fields;
}
