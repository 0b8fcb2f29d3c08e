import { TooManyLongPollsError } from '../../src/jobs/errors/too-many-long-polls-error';
import { InMemoryLongPollSlots } from '../../src/jobs/in-memory/in-memory-long-poll-slots';
import {
  LONG_POLL_RETRY_AFTER_SECONDS,
  SLOT_GRACE_MS,
  withLongPollSlot,
  type LongPollSlotDeps,
} from '../../src/jobs/use-cases/long-poll-slot';

function fixture() {
  let now = Date.parse('2030-01-01T00:00:00.000Z');
  let ids = 0;
  const deps: LongPollSlotDeps = {
    slots: new InMemoryLongPollSlots(),
    clock: () => new Date(now),
    newId: () => `slot-${++ids}`,
  };
  return { deps, elapse: (ms: number) => void (now += ms) };
}

/** A wait that holds its slot until `end` is called. */
function heldWait() {
  let end!: () => void;
  const ended = new Promise<string>((resolve) => (end = () => resolve('answered')));
  return { wait: () => ended, end: () => end() };
}

describe('a per-token cap on open long polls', () => {
  test('the poll past the cap is refused with the cap and a Retry-After, and never waits', async () => {
    const { deps } = fixture();
    const holds = [heldWait(), heldWait()];
    const open = holds.map((hold) =>
      withLongPollSlot(deps, { holder: 'token:a', cap: 2, maxHoldMs: 28_000 }, hold.wait),
    );
    let waited = false;
    const refusedWait = async () => {
      waited = true;
      return 'never';
    };
    const refused = await withLongPollSlot(deps, { holder: 'token:a', cap: 2, maxHoldMs: 28_000 }, refusedWait).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(TooManyLongPollsError);
    expect(refused).toMatchObject({ cap: 2, retryAfterSeconds: LONG_POLL_RETRY_AFTER_SECONDS });
    expect(waited).toBe(false);
    // Another token is not affected by this one's polls.
    await expect(
      withLongPollSlot(deps, { holder: 'token:b', cap: 2, maxHoldMs: 28_000 }, async () => 'b'),
    ).resolves.toBe('b');
    for (const hold of holds) hold.end();
    await expect(Promise.all(open)).resolves.toEqual(['answered', 'answered']);
  });

  test('a poll that answers or fails gives its slot back', async () => {
    const { deps } = fixture();
    const request = { holder: 'token:a', cap: 1, maxHoldMs: 28_000 };
    await withLongPollSlot(deps, request, async () => 'answered');
    await expect(
      withLongPollSlot(deps, request, async () => {
        throw new Error('job vanished');
      }),
    ).rejects.toThrow('job vanished');
    await expect(withLongPollSlot(deps, request, async () => 'again')).resolves.toBe('again');
  });

  test('a poll whose Lambda died holds its slot no longer than the invocation could have lived, plus a grace', async () => {
    const { deps, elapse } = fixture();
    const request = { holder: 'token:a', cap: 1, maxHoldMs: 20_000 };
    // Never answers and never releases, like an environment that timed out or crashed.
    void withLongPollSlot(deps, request, () => new Promise<never>(() => undefined));
    elapse(20_000 + SLOT_GRACE_MS - 1);
    await expect(withLongPollSlot(deps, request, async () => 'early')).rejects.toBeInstanceOf(TooManyLongPollsError);
    elapse(1);
    await expect(withLongPollSlot(deps, request, async () => 'freed')).resolves.toBe('freed');
  });

  test('a release that fails does not fail the answer', async () => {
    const { deps } = fixture();
    deps.slots.release = async () => {
      throw new Error('DynamoDB is busy');
    };
    await expect(
      withLongPollSlot(deps, { holder: 'token:a', cap: 1, maxHoldMs: 28_000 }, async () => 'answered'),
    ).resolves.toBe('answered');
  });
});
