import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';
import { findInstanceStatus } from '../durable/findInstanceStatus.js';
import { FUNCTION_NAMES } from '../functionNames.js';

/** A job's instance status with its input, or undefined for an unknown id or another kind of instance. */
export async function findJob(
  client: Pick<DurableClient, 'getStatus'>,
  id: string,
): Promise<DurableOrchestrationStatus | undefined> {
  const status = await findInstanceStatus(client, id, { showInput: true });
  return status?.name === FUNCTION_NAMES.jobOrchestrator ? status : undefined;
}
