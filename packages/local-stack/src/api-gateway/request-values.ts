/** A request's headers or query parameters as API Gateway hands them to a function. */
export interface RequestValues {
  /** One value per name: the last one, or all of them joined with commas. */
  readonly single: Record<string, string>;
  /** Every value of each name, in order. */
  readonly multi: Record<string, string[]>;
}

/**
 * Collects name/value pairs into own properties only. The names come from the client, so
 * `toString`, `constructor` or `__proto__` are names like any other, never the prototype's
 * members (`multi.toString ??= []` would find Object.prototype.toString and fail).
 */
export function requestValues(pairs: Iterable<readonly [string, string]>, repeated: 'last' | 'joined'): RequestValues {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of pairs) {
    const earlier = Object.hasOwn(multi, name) ? multi[name]! : undefined;
    define(single, name, earlier && repeated === 'joined' ? `${single[name]},${value}` : value);
    if (earlier) earlier.push(value);
    else define(multi, name, [value]);
  }
  return { single, multi };
}

function define<T>(record: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
}

/** Node's rawHeaders (`[name, value, name, value, …]`) as pairs. */
export function* rawHeaderPairs(raw: readonly string[]): Generator<readonly [string, string]> {
  for (let i = 0; i + 1 < raw.length; i += 2) yield [raw[i]!, raw[i + 1]!];
}
