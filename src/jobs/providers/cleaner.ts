import type { ProviderCall } from './provider-call';

/** The housekeeping tasks a Cleaner knows; the cleanup job type's schema accepts exactly these. */
export const CLEANUP_TASKS = ['delete_temp', 'remove_old_logs', 'expire_sessions'] as const;
export type CleanupTask = (typeof CLEANUP_TASKS)[number];

export interface CleanupRequest {
  task: CleanupTask;
  simulateFailures?: number | undefined;
  durationMs?: number | undefined;
}

/** Runs one housekeeping task and says how much it removed. */
export interface Cleaner {
  run(request: CleanupRequest, call: ProviderCall): Promise<{ removed: number }>;
}
