import { leasedRecheckSeconds } from '../../src/jobs/use-cases/handle-job-message';

/** A 30 s function with its 180 s lease (the queue's visibility timeout, 6 × the timeout), claimed at 12:00:00. */
const claimedAt = new Date('2030-01-01T12:00:00.000Z');
const leaseUntil = new Date(claimedAt.getTime() + 180_000).toISOString();
const at = (seconds: number) => new Date(claimedAt.getTime() + seconds * 1000);

describe('a delivery that finds the job leased by another worker looks again', () => {
  test('just after the holder’s run must have ended (its timeout + 2 s), not at the lease’s end', () => {
    expect(leasedRecheckSeconds(leaseUntil, 180, 30, at(0.2))).toBe(32);
    expect(leasedRecheckSeconds(leaseUntil, 180, 30, at(20))).toBe(12);
  });

  test('at the lease’s end when the job is still held after that: the holder died, and the lease protects nothing else', () => {
    expect(leasedRecheckSeconds(leaseUntil, 180, 30, at(33))).toBe(147);
    expect(leasedRecheckSeconds(leaseUntil, 180, 30, at(179.5))).toBe(1);
  });

  test('a lease no longer than the run: the lease’s end', () => {
    expect(leasedRecheckSeconds(at(30).toISOString(), 30, 30, at(0))).toBe(30);
  });
});
