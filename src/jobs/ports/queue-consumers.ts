import type { JobType } from '../job';

/**
 * Whether a type's consumer takes messages from its queue, as Lambda reports its event source
 * mapping: a change is accepted at once and takes effect shortly after (Enabling, Disabling).
 */
export const CONSUMER_STATES = ['Enabled', 'Disabled', 'Enabling', 'Disabling', 'Updating', 'Creating'] as const;
export type ConsumerState = (typeof CONSUMER_STATES)[number];

/** A queue is paused when its consumer is off or turning off: nothing new is received from it. */
export function isPaused(state: ConsumerState): boolean {
  return state === 'Disabled' || state === 'Disabling';
}

/** Pauses and resumes the consumption of each job type's queue. */
export interface QueueConsumers {
  stateOf(type: JobType): Promise<ConsumerState>;
  /** Turns the consumer on (true) or off; resolves with the state right after the change was accepted. */
  setEnabled(type: JobType, enabled: boolean): Promise<ConsumerState>;
}
