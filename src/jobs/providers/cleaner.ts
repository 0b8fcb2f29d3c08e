export type CleanupTask = 'delete_temp' | 'remove_old_logs' | 'expire_sessions';

export interface CleanupRequest {
  task: CleanupTask;
  simulateFailures?: number;
  durationMs?: number;
}

/** Runs one housekeeping task and says how much it removed. */
export interface Cleaner {
  run(request: CleanupRequest, attempt: number): Promise<{ removed: number }>;
}
