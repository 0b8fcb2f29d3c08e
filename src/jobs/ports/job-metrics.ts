import type { AnyJobType } from '../job';

/** Business metrics of the lifecycle, per job type (Powertools Metrics fits it). */
export interface JobMetrics {
  jobSubmitted(type: AnyJobType): void;
  jobCompleted(type: AnyJobType, durationMs: number): void;
  jobFailed(type: AnyJobType): void;
  /** The reconciler re-sent the message of a job that had stopped moving. */
  jobRescued(type: AnyJobType): void;
}
