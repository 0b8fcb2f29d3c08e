import type { Job, JobType } from '../../src/jobs/job';
import { summarizeJob, type JobSummary } from '../../src/jobs/job-summary';
import { ValidationError } from '../../src/jobs/errors/validation-error';
import type { JobFilter, JobListing } from '../../src/jobs/ports/job-listing';
import type { JobsRepository } from '../../src/jobs/ports/jobs-repository';
import { aJob } from '../support/jobs';

export interface JobListingHarness {
  /** Lists exactly the jobs `repository` holds, which starts empty. */
  listing: JobListing;
  repository: JobsRepository;
}

/** Every page of a listing, checking each stays within `limit`. */
async function allPages(listing: JobListing, filter: JobFilter, limit: number): Promise<JobSummary[]> {
  const seen: JobSummary[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const result = await listing.list(filter, limit, cursor);
    expect(result.jobs.length).toBeLessThanOrEqual(limit);
    seen.push(...result.jobs);
    if (!result.nextCursor) return seen;
    cursor = result.nextCursor;
  }
  throw new Error('too many pages');
}

const ids = (jobs: readonly { id: string }[]) => jobs.map((job) => job.id);

/** What every JobListing adapter must do: newest first, filtered, paged without repeats or gaps. */
export function describeJobListingConformance(name: string, makeHarness: () => Promise<JobListingHarness>): void {
  describe(`${name}: JobListing conformance`, () => {
    let harness: JobListingHarness;
    /** Newest first. */
    const jobs: Job[] = [];

    beforeAll(async () => {
      harness = await makeHarness();
      const start = Date.parse('2030-01-01T00:00:00.000Z');
      const plan: [JobType, Job['status']][] = [
        ['email', 'queued'],
        ['sms', 'queued'],
        ['email', 'completed'],
        ['cleanup', 'delayed'],
        ['sms', 'failed'],
        ['email', 'queued'],
        ['sms', 'queued'],
      ];
      for (const [index, [type, status]] of plan.entries()) {
        const createdAt = new Date(start + index * 1000).toISOString();
        const job = aJob(type, {
          status,
          createdAt,
          updatedAt: createdAt,
          ...(status === 'failed' ? { error: { kind: 'permanent' as const, message: 'refused by +15550100' } } : {}),
        });
        await harness.repository.create(job);
        jobs.unshift(job);
      }
    });

    test('everything, newest first, paged without repeats or gaps', async () => {
      expect(ids(await allPages(harness.listing, {}, 3))).toEqual(ids(jobs));
      expect(ids(await allPages(harness.listing, {}, 100))).toEqual(ids(jobs));
    });

    test("a page holds each job's summary, whole, and nothing a job was given or produced", async () => {
      const listed = await allPages(harness.listing, {}, 100);
      expect(listed).toEqual(jobs.map(summarizeJob));
      expect(JSON.stringify(listed)).not.toContain('payload');
      expect(JSON.stringify(listed)).not.toContain('+15550100');
    });

    test('by type', async () => {
      expect(ids(await allPages(harness.listing, { type: 'sms' }, 2))).toEqual(
        ids(jobs.filter((job) => job.type === 'sms')),
      );
    });

    test('by status', async () => {
      expect(ids(await allPages(harness.listing, { status: 'queued' }, 2))).toEqual(
        ids(jobs.filter((job) => job.status === 'queued')),
      );
    });

    test('by status and type', async () => {
      expect(ids(await allPages(harness.listing, { status: 'queued', type: 'email' }, 1))).toEqual(
        ids(jobs.filter((job) => job.status === 'queued' && job.type === 'email')),
      );
    });

    test('a filter nothing matches lists nothing, with no cursor', async () => {
      expect(await harness.listing.list({ status: 'cancelled' }, 10)).toEqual({ jobs: [] });
    });

    test('a cursor that no page handed out is a validation error naming the cursor', async () => {
      const error = await harness.listing.list({}, 10, 'not-a-cursor').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fields).toMatchObject([{ field: 'cursor' }]);
    });

    // Last: it changes the listed jobs.
    test('a job whose status changes moves to the listing of its new status and type', async () => {
      const queuedEmail = jobs.find((job) => job.status === 'queued' && job.type === 'email')!;
      const completed = { ...queuedEmail, status: 'completed' as const, version: queuedEmail.version + 1 };
      await harness.repository.save(queuedEmail, completed);
      expect(ids(await allPages(harness.listing, { status: 'completed', type: 'email' }, 10))).toContain(completed.id);
      expect(ids(await allPages(harness.listing, { status: 'queued', type: 'email' }, 10))).not.toContain(completed.id);
    });
  });

  describe(`${name}: jobs created in the same millisecond`, () => {
    let harness: JobListingHarness;
    const sameInstant: Job[] = [];

    beforeAll(async () => {
      harness = await makeHarness();
      // Busy producers stamp many jobs with one createdAt; the index sorts only on createdAt.
      const createdAt = '2030-06-01T00:00:00.000Z';
      const types: JobType[] = ['email', 'sms', 'email', 'email', 'sms', 'email', 'cleanup', 'email', 'sms', 'email'];
      for (const type of types) {
        const job = aJob(type, { createdAt, updatedAt: createdAt });
        await harness.repository.create(job);
        sameInstant.push(job);
      }
      const older = aJob('email', { createdAt: '2030-05-31T23:59:59.999Z' });
      await harness.repository.create(older);
      sameInstant.push(older);
    });

    test.each([1, 2, 3, 4])('pages of %i list each of them once, the older one last', async (limit) => {
      for (const filter of [{}, { type: 'email' as const }, { status: 'queued' as const }]) {
        const expected = sameInstant.filter((job) => !filter.type || job.type === filter.type);
        const listed = ids(await allPages(harness.listing, filter, limit));
        expect([...listed].sort()).toEqual(ids(expected).sort());
        expect(listed.at(-1)).toBe(sameInstant.at(-1)!.id);
      }
    });

    // Last: it changes the listed jobs.
    test('jobs submitted and changing status while a listing pages neither repeat nor drop the rest', async () => {
      const first = await harness.listing.list({}, 4);
      const later = aJob('sms', { createdAt: '2030-07-01T00:00:00.000Z' });
      await harness.repository.create(later);
      const moved = sameInstant.find((job) => !ids(first.jobs).includes(job.id))!;
      await harness.repository.save(moved, { ...moved, status: 'cancelled', version: moved.version + 1 });
      const rest: JobSummary[] = [];
      let cursor = first.nextCursor;
      while (cursor) {
        const page = await harness.listing.list({}, 4, cursor);
        rest.push(...page.jobs);
        cursor = page.nextCursor;
      }
      const listed = [...ids(first.jobs), ...ids(rest)];
      expect([...listed].sort()).toEqual(ids(sameInstant).sort());
      expect(rest.find((job) => job.id === moved.id)?.status).toBe('cancelled');
    });
  });
}
