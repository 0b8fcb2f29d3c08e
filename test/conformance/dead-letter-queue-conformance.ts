import type { DeadLetterQueue } from '../../src/jobs/ports/dead-letter-queue';

export interface DeadLetterQueueHarness {
  /** An empty dead-letter queue. */
  dlq: DeadLetterQueue;
  /** Puts a message into it, as the source queue's redrive policy would. */
  add(body: string): Promise<void>;
  /** Lets `ms` pass for the queue (real time, or a test clock). */
  elapse(ms: number): Promise<void>;
}

const bodies = (letters: { body: string }[]) => letters.map((letter) => letter.body).sort();

/** What every DeadLetterQueue adapter must do: holds keep the recorder and a redrive apart. */
export function describeDeadLetterQueueConformance(
  name: string,
  makeHarness: () => Promise<DeadLetterQueueHarness>,
): void {
  describe(`${name}: DeadLetterQueue conformance`, () => {
    let harness: DeadLetterQueueHarness;

    beforeEach(async () => {
      harness = await makeHarness();
    });

    test('an empty queue receives nothing', async () => {
      expect(await harness.dlq.receive(10, 30)).toEqual([]);
    });

    test('received letters carry their bodies and are held from every other receive', async () => {
      await harness.add('one');
      await harness.add('two');
      const letters = await harness.dlq.receive(10, 30);
      expect(bodies(letters)).toEqual(['one', 'two']);
      for (const letter of letters) {
        expect(letter.messageId).not.toBe('');
        expect(letter.receiptHandle).not.toBe('');
      }
      expect(await harness.dlq.receive(10, 30)).toEqual([]);
    });

    test('a receive takes at most maxMessages', async () => {
      for (const body of ['a', 'b', 'c']) await harness.add(body);
      const first = await harness.dlq.receive(2, 30);
      expect(first.length).toBeGreaterThan(0);
      expect(first.length).toBeLessThanOrEqual(2);
      const rest = [];
      for (let round = 0; round < 3 && first.length + rest.length < 3; round++) {
        rest.push(...(await harness.dlq.receive(10, 30)));
      }
      expect(bodies([...first, ...rest])).toEqual(['a', 'b', 'c']);
    });

    test('released letters stay in the queue and can be received again at once', async () => {
      await harness.add('kept');
      const letters = await harness.dlq.receive(10, 30);
      await harness.dlq.release(letters);
      expect(bodies(await harness.dlq.receive(10, 30))).toEqual(['kept']);
    });

    test('a hold ends by itself after holdSeconds', async () => {
      await harness.add('held');
      expect(bodies(await harness.dlq.receive(10, 1))).toEqual(['held']);
      await harness.elapse(1500);
      expect(bodies(await harness.dlq.receive(10, 30))).toEqual(['held']);
    });

    test('a deleted letter is gone for good, the others stay', async () => {
      await harness.add('moved');
      await harness.add('left');
      const letters = await harness.dlq.receive(10, 30);
      const moved = letters.find((letter) => letter.body === 'moved');
      if (!moved) throw new Error('letter not received');
      await harness.dlq.delete(moved);
      await harness.dlq.release(letters.filter((letter) => letter !== moved));
      expect(bodies(await harness.dlq.receive(10, 30))).toEqual(['left']);
    });

    test('releasing more than ten letters releases them all', async () => {
      const sent = Array.from({ length: 12 }, (_, index) => `letter-${String(index).padStart(2, '0')}`);
      for (const body of sent) await harness.add(body);
      const held = [];
      for (let round = 0; round < 6 && held.length < sent.length; round++) {
        held.push(...(await harness.dlq.receive(10, 30)));
      }
      expect(held).toHaveLength(12);
      await harness.dlq.release(held);
      const again = [];
      for (let round = 0; round < 6 && again.length < sent.length; round++) {
        again.push(...(await harness.dlq.receive(10, 30)));
      }
      expect(bodies(again)).toEqual(sent);
    });
  });
}
