import { ValidationError } from '../../src/jobs/errors/validation-error';
import { parseStatusQuery } from '../../src/jobs/status-query';

const fieldsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.fields.map((f) => f.field);
  }
  return [];
};

describe('status query', () => {
  test('defaults to a short poll with a 10 s long-poll timeout', () => {
    expect(parseStatusQuery({}, undefined)).toEqual({ mode: 'short', timeoutMs: 10_000 });
  });

  test('a timeout below 1 s is raised, one above the maximum lowered', () => {
    expect(parseStatusQuery({ mode: 'long', timeout: '10' }, undefined).timeoutMs).toBe(1_000);
    expect(parseStatusQuery({ mode: 'long', timeout: '999999' }, undefined).timeoutMs).toBe(25_000);
    expect(parseStatusQuery({ mode: 'long', timeout: '999999' }, undefined, 5_000).timeoutMs).toBe(5_000);
    expect(parseStatusQuery({ mode: 'long', timeout: '15000' }, undefined).timeoutMs).toBe(15_000);
  });

  test('since comes from the query or from If-None-Match', () => {
    expect(parseStatusQuery({ since: '3' }, undefined).since).toBe(3);
    expect(parseStatusQuery({}, '"4"').since).toBe(4);
    expect(parseStatusQuery({}, 'W/"5"').since).toBe(5);
    expect(parseStatusQuery({ since: '6' }, '"4"').since).toBe(6);
  });

  test('bad values are a 400 naming each field', () => {
    expect(fieldsOf(() => parseStatusQuery({ mode: 'medium' }, undefined))).toEqual(['mode']);
    expect(fieldsOf(() => parseStatusQuery({ timeout: 'abc' }, undefined))).toEqual(['timeout']);
    expect(fieldsOf(() => parseStatusQuery({ timeout: '' }, undefined))).toEqual(['timeout']);
    expect(fieldsOf(() => parseStatusQuery({ since: '-1' }, undefined))).toEqual(['since']);
    expect(fieldsOf(() => parseStatusQuery({}, 'not-an-etag'))).toEqual(['If-None-Match']);
    expect(fieldsOf(() => parseStatusQuery({ mode: 'x', timeout: 'y' }, undefined))).toEqual(['mode', 'timeout']);
  });
});
