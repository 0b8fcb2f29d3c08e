import { ValidationError } from '../../src/jobs/errors/validation-error';
import { callerJobIdProblem, SYSTEM_JOB_ID_PREFIX, systemJobId } from '../../src/jobs/job-ids';
import { parseSubmission } from '../../src/jobs/job-submission';
import { cleanup } from '../../src/job-types/cleanup';
import { CursorSigner, withSignedCursors } from '../../src/jobs/signed-cursors';
import { MAX_PAYLOAD_BYTES, MAX_PAYLOAD_DEPTH, payloadStorageProblems } from '../../src/jobs/storable-payload';
import type { JobListing } from '../../src/jobs/ports/job-listing';

/** `{a: {a: … {leaf: 1}}}` with `levels` objects in all, the outermost included. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let level = 1; level < levels; level++) value = { a: value };
  return value;
}

describe('payloadStorageProblems', () => {
  it('accepts an ordinary payload', () => {
    expect(payloadStorageProblems({ n: 1, f: 0.5, s: 'x', list: [1, 'two', null, { ok: true }] }, 'payload')).toEqual(
      [],
    );
  });

  it.each([
    [1e20, 'must be at most'],
    [-1e20, 'must be at most'],
    [2 ** 53, 'must be at most'],
    [1.5e300, 'must be at most'],
    [Number.POSITIVE_INFINITY, 'must be a finite number'],
    [Number.NaN, 'must be a finite number'],
    [1e-200, 'must be 0 or at least 1e-130'],
  ])('names a number DynamoDB or the SDK cannot keep: %p', (n, message) => {
    expect(payloadStorageProblems({ deep: [{ n }] }, 'payload')).toEqual([
      { field: 'payload.deep.0.n', message: expect.stringContaining(message) },
    ]);
  });

  it.each([0, -0, 2 ** 53 - 1, -(2 ** 53 - 1), 1e-130, 3.141592653589793])('accepts %p', (n) => {
    expect(payloadStorageProblems({ n }, 'payload')).toEqual([]);
  });

  it(`accepts ${MAX_PAYLOAD_DEPTH} levels of nesting and names the path of the first level beyond`, () => {
    expect(payloadStorageProblems(nested(MAX_PAYLOAD_DEPTH), 'payload')).toEqual([]);
    const [problem, ...others] = payloadStorageProblems(nested(40), 'payload');
    expect(others).toEqual([]);
    expect(problem?.message).toBe(`must be nested at most ${MAX_PAYLOAD_DEPTH} levels deep`);
    expect(problem?.field).toBe(['payload', ...Array(MAX_PAYLOAD_DEPTH).fill('a')].join('.'));
  });

  it('counts arrays as levels too', () => {
    let value: unknown = 1;
    for (let level = 0; level < MAX_PAYLOAD_DEPTH + 1; level++) value = [value];
    expect(payloadStorageProblems({ list: value }, 'payload')[0]?.message).toContain('nested at most');
  });

  it(`refuses more than ${MAX_PAYLOAD_BYTES} bytes of JSON, counted in UTF-8`, () => {
    expect(payloadStorageProblems({ s: 'x'.repeat(MAX_PAYLOAD_BYTES - 10) }, 'payload')).toEqual([]);
    expect(payloadStorageProblems({ s: 'é'.repeat(MAX_PAYLOAD_BYTES / 2) }, 'payload')).toEqual([
      { field: 'payload', message: expect.stringContaining(`at most ${MAX_PAYLOAD_BYTES} bytes`) },
    ]);
    expect(payloadStorageProblems({ s: 'x'.repeat(MAX_PAYLOAD_BYTES) }, '')[0]?.field).toBe('(body)');
  });

  it('refuses empty field names, which DynamoDB cannot store', () => {
    expect(payloadStorageProblems({ ok: { '': 1 } }, 'payload')).toEqual([
      { field: 'payload.ok.""', message: expect.stringContaining('non-empty') },
    ]);
  });

  it('refuses lone surrogates, which are not UTF-8', () => {
    expect(payloadStorageProblems({ s: '\ud800' }, 'payload')).toEqual([
      { field: 'payload.s', message: 'must be well-formed Unicode' },
    ]);
  });
});

describe('parseSubmission applies the storage rules to worker job bodies', () => {
  it('names a cleanup field nested beyond the limit', () => {
    const error = (() => {
      try {
        parseSubmission(cleanup.payload, { task: 'delete_temp', extra: nested(40) }, new Date());
      } catch (e) {
        return e;
      }
    })() as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.fields.map((f) => f.field)).toEqual(
      expect.arrayContaining(['extra', expect.stringMatching(/^extra\.a\.a/)]),
    );
  });
});

describe('callerJobIdProblem', () => {
  it.each(['job_123', 'a.b', '...', 'systemic', 'my:system:job'])('accepts %p', (id) => {
    expect(callerJobIdProblem(id)).toBeUndefined();
  });

  it.each([
    ['.', 'must not be . or ..'],
    ['..', 'must not be . or ..'],
    [`${SYSTEM_JOB_ID_PREFIX}daily-cleanup:2030-01-01`, 'reserved'],
    ['SYSTEM:anything', 'reserved'],
    ['', 'must be 1–128'],
    ['a/b', 'must be 1–128'],
    ['x'.repeat(129), 'must be 1–128'],
  ])('refuses %p', (id, message) => {
    expect(callerJobIdProblem(id)).toEqual({ field: 'id', message: expect.stringContaining(message) });
  });

  it('gives system jobs ids in the reserved namespace', () => {
    expect(callerJobIdProblem(systemJobId('daily-cleanup:2030-01-01'))?.message).toContain('reserved');
  });
});

describe('signed cursors', () => {
  const signer = new CursorSigner('k'.repeat(32));
  const inner: JobListing = {
    list: async (_filter, _limit, cursor) => ({ jobs: [], nextCursor: `next-after-${cursor ?? 'start'}` }),
  };
  const listing = withSignedCursors(inner, signer);
  const cursorError = { fields: [{ field: 'cursor', message: expect.stringContaining('previous page') }] };

  it('hands the listing back the cursor it issued', async () => {
    const first = await listing.list({ status: 'queued' }, 10);
    expect(first.nextCursor).toMatch(/^next-after-start\.[A-Za-z0-9_-]+$/);
    const second = await listing.list({ status: 'queued' }, 10, first.nextCursor);
    expect(second.nextCursor).toMatch(/^next-after-next-after-start\./);
  });

  it('refuses a tampered cursor', async () => {
    const { nextCursor = '' } = await listing.list({}, 10);
    const tampered = `x${nextCursor.slice(1)}`;
    await expect(listing.list({}, 10, tampered)).rejects.toMatchObject(cursorError);
    await expect(listing.list({}, 10, nextCursor.split('.')[0])).rejects.toMatchObject(cursorError);
    await expect(listing.list({}, 10, `${nextCursor}x`)).rejects.toMatchObject(cursorError);
  });

  it('refuses a cursor signed by another deployment', async () => {
    const foreign = withSignedCursors(inner, new CursorSigner('z'.repeat(32)));
    const { nextCursor } = await foreign.list({}, 10);
    await expect(listing.list({}, 10, nextCursor)).rejects.toMatchObject(cursorError);
  });

  it('refuses a cursor issued for another filter', async () => {
    const { nextCursor } = await listing.list({ type: 'sms' }, 10);
    await expect(listing.list({ type: 'email' }, 10, nextCursor)).rejects.toMatchObject(cursorError);
  });

  it('refuses a short key', () => {
    expect(() => new CursorSigner('short')).toThrow('at least 16');
  });
});
