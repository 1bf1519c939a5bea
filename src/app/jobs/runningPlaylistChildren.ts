import type { DurableClient } from 'durable-functions';
import { jobSucceededSchema, type JobCustomStatus } from '../../shared/contracts.js';
import type { PlaylistChild } from '../../shared/jobView.js';
import { playlistChildId } from '../../shared/naming.js';
import { findInstanceStatus } from '../durable/findInstanceStatus.js';
import type { JobOrchestrationInput } from '../orchestrations/jobOrchestrator.js';
import { jobStatusOf } from './buildJobView.js';

/** Status reads in flight at once while a running playlist's items are looked up. */
const LOOKUPS_AT_ONCE = 8;

/**
 * A running playlist job's items as they are now, read from each child job's own instance (the
 * playlist's customStatus holds only counts). An item not started yet reads Queued, without a URL.
 */
export async function runningPlaylistChildren(
  client: Pick<DurableClient, 'getStatus'>,
  playlistId: string,
  custom: JobCustomStatus | undefined,
): Promise<PlaylistChild[]> {
  const items = custom?.playlist?.items ?? 0;
  const ids = Array.from({ length: items }, (_, index) => playlistChildId(playlistId, index));
  const children: PlaylistChild[] = [];
  for (let start = 0; start < ids.length; start += LOOKUPS_AT_ONCE)
    children.push(
      ...(await Promise.all(ids.slice(start, start + LOOKUPS_AT_ONCE).map((id) => childNow(client, id)))),
    );
  return children;
}

async function childNow(client: Pick<DurableClient, 'getStatus'>, id: string): Promise<PlaylistChild> {
  const status = await findInstanceStatus(client, id, { showInput: true });
  if (!status) return { id, status: 'Queued' };
  const input = (status.input ?? undefined) as JobOrchestrationInput | undefined;
  const custom = (status.customStatus ?? undefined) as JobCustomStatus | undefined;
  const result = jobSucceededSchema.safeParse(status.output);
  const succeeded = status.runtimeStatus === 'Completed' && result.success;
  const state = jobStatusOf(status.runtimeStatus, custom?.phase ?? 'Queued', succeeded, custom?.error?.code);
  const url = input?.request && 'url' in input.request ? input.request.url : undefined;
  return {
    id,
    ...(url ? { url } : {}),
    status: state,
    ...(succeeded ? { outputs: result.data.outputs } : {}),
    ...(custom?.error && (state === 'Failed' || state === 'Canceled') ? { error: custom.error } : {}),
  };
}
