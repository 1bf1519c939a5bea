import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';
import { findInstanceStatus } from '../durable/findInstanceStatus.js';
import { FUNCTION_NAMES } from '../functionNames.js';

/** The orchestrations whose instances are jobs: one item, or a playlist of them. */
const JOB_ORCHESTRATIONS: readonly string[] = [
  FUNCTION_NAMES.jobOrchestrator,
  FUNCTION_NAMES.playlistOrchestrator,
];

/** Whether an instance of this orchestration is a job the jobs API shows. */
export function isJobOrchestration(name: string | undefined): boolean {
  return name !== undefined && JOB_ORCHESTRATIONS.includes(name);
}

/** A job's instance status with its input, or undefined for an unknown id or another kind of instance. */
export async function findJob(
  client: Pick<DurableClient, 'getStatus'>,
  id: string,
): Promise<DurableOrchestrationStatus | undefined> {
  const status = await findInstanceStatus(client, id, { showInput: true });
  return isJobOrchestration(status?.name) ? status : undefined;
}
