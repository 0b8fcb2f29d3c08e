import { ValidationError, type InvalidField } from '../errors/validation-error';
import { EXTERNAL_JOB_TYPE, type AnyJobType } from '../job';
import { minutesEndingAt, typeSeriesOf, type StatsSeries } from '../job-counters';
import type { JobCounters } from '../ports/job-counters';

export const DEFAULT_SERIES_MINUTES = 60;
/** A day of minutes per request; the counters keep more (7 days by default). */
export const MAX_SERIES_MINUTES = 1440;

export interface StatsSeriesQuery {
  minutes: number;
  /** One type, or every declared type and `external`. */
  type?: AnyJobType;
}

/** `GET /stats/series?minutes=&type=`: every bad parameter is named. `jobTypes` are the registry's names. */
export function parseStatsSeriesQuery(
  query: Record<string, string | undefined>,
  jobTypes: readonly string[],
): StatsSeriesQuery {
  const fields: InvalidField[] = [];
  const listedTypes = [...jobTypes, EXTERNAL_JOB_TYPE];
  let minutes = DEFAULT_SERIES_MINUTES;
  if (query.minutes !== undefined) {
    minutes = Number(query.minutes);
    if (!/^\d+$/.test(query.minutes) || minutes < 1 || minutes > MAX_SERIES_MINUTES)
      fields.push({ field: 'minutes', message: `must be a whole number from 1 to ${MAX_SERIES_MINUTES}` });
  }
  if (query.type !== undefined && !listedTypes.includes(query.type))
    fields.push({ field: 'type', message: `must be one of ${listedTypes.join(', ')}` });
  if (fields.length > 0) throw new ValidationError(fields);
  return { minutes, ...(query.type !== undefined ? { type: query.type } : {}) };
}

/** Per type, the window's minutes ending with the current one: one Query per type, never a walk over jobs. */
export async function statsSeries(
  counters: Pick<JobCounters, 'minutes'>,
  jobTypes: readonly string[],
  query: StatsSeriesQuery,
  now: Date,
): Promise<StatsSeries> {
  const window = minutesEndingAt(now, query.minutes);
  const from = window[0]!;
  const to = window.at(-1)!;
  const types = query.type ? [query.type] : [...jobTypes, EXTERNAL_JOB_TYPE];
  const series = await Promise.all(
    types.map(async (type) => typeSeriesOf(type, window, await counters.minutes(type, from, to))),
  );
  return { minutes: query.minutes, from, to, types: series };
}
