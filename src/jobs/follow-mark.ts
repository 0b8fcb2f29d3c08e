/** Whether a follow mark (epoch seconds, see JobsRepository.follow) still holds at `now`. */
export const followMarkHolds = (untilEpochSeconds: number | undefined, now: Date = new Date()): boolean =>
  (untilEpochSeconds ?? 0) * 1000 >= now.getTime();
