import type { JobType } from '../job';
import type { ConsumerState, QueueConsumers } from '../ports/queue-consumers';

/**
 * Every type's consumer on at first. As Lambda does, a change is answered with its transitional
 * state (Enabling, Disabling) and has settled by the next read.
 */
export class InMemoryQueueConsumers implements QueueConsumers {
  private readonly states = new Map<JobType, ConsumerState>();

  constructor(private readonly types: readonly JobType[]) {}

  async stateOf(type: JobType): Promise<ConsumerState> {
    const state = this.known(type);
    const settled = state === 'Enabling' ? 'Enabled' : state === 'Disabling' ? 'Disabled' : state;
    this.states.set(type, settled);
    return settled;
  }

  async setEnabled(type: JobType, enabled: boolean): Promise<ConsumerState> {
    const state = this.known(type);
    if (state === (enabled ? 'Enabled' : 'Disabled')) return state;
    const changing = enabled ? 'Enabling' : 'Disabling';
    this.states.set(type, changing);
    return changing;
  }

  private known(type: JobType): ConsumerState {
    if (!this.types.includes(type)) throw new RangeError(`No consumer for job type ${type}`);
    return this.states.get(type) ?? 'Enabled';
  }
}
