import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';

/** Runtime states after which an instance takes no more events. */
export const FINISHED_STATES: readonly string[] = ['Completed', 'Failed', 'Terminated', 'Canceled'];

/**
 * The status of an instance, or undefined when the durable backend has no such instance. The real
 * client rejects with an "HTTP 404" error for unknown ids instead of returning undefined; other
 * failures (backend down, 5xx) still reject.
 */
export async function findInstanceStatus(
  client: Pick<DurableClient, 'getStatus'>,
  instanceId: string,
  options: { showInput?: boolean } = {},
): Promise<DurableOrchestrationStatus | undefined> {
  try {
    const status = await client.getStatus(instanceId, { showInput: options.showInput ?? false });
    return status ?? undefined;
  } catch (error) {
    if (error instanceof Error && /\bHTTP 404\b/.test(error.message)) return undefined;
    throw error;
  }
}
