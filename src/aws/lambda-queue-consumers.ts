import {
  GetEventSourceMappingCommand,
  UpdateEventSourceMappingCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { DependencyUnavailableError } from '../jobs/errors/dependency-unavailable-error';
import type { JobType } from '../jobs/job';
import { CONSUMER_STATES, type ConsumerState, type QueueConsumers } from '../jobs/ports/queue-consumers';
import { mapOverload } from './aws-error-mapping';

/**
 * Each type's consumer is its SQS event source mapping: pausing sets the mapping's Enabled flag
 * (UpdateEventSourceMapping); Lambda then stops polling the queue, and messages wait in it.
 */
export class LambdaQueueConsumers implements QueueConsumers {
  constructor(
    private readonly lambda: LambdaClient,
    /** The mapping UUID of each job type's consumer, as the stack hands them over. */
    private readonly mappingIds: Readonly<Record<JobType, string>>,
  ) {}

  async stateOf(type: JobType): Promise<ConsumerState> {
    const { State } = await this.lambda
      .send(new GetEventSourceMappingCommand({ UUID: this.mappingOf(type) }))
      .catch(mapLambdaError);
    return stateFrom(State);
  }

  async setEnabled(type: JobType, enabled: boolean): Promise<ConsumerState> {
    const { State } = await this.lambda
      .send(new UpdateEventSourceMappingCommand({ UUID: this.mappingOf(type), Enabled: enabled }))
      .catch(mapLambdaError);
    return stateFrom(State);
  }

  private mappingOf(type: JobType): string {
    const uuid = this.mappingIds[type];
    if (!uuid) throw new RangeError(`No event source mapping for job type ${type}`);
    return uuid;
  }
}

function stateFrom(state: string | undefined): ConsumerState {
  if ((CONSUMER_STATES as readonly string[]).includes(state ?? '')) return state as ConsumerState;
  throw new Error(`Unexpected event source mapping state ${state}`);
}

/** A change still taking effect (ResourceInUseException) is a busy dependency: the caller retries shortly. */
function mapLambdaError(error: unknown): never {
  if (error instanceof Error && error.name === 'ResourceInUseException')
    throw new DependencyUnavailableError('Lambda (the queue consumer is still changing state)', 2, { cause: error });
  return mapOverload('Lambda')(error);
}
