import type { ContainerClient } from '@azure/storage-blob';
import { jobBlobNameProblem, jobBlobPrefix } from '../../shared/naming.js';

export interface DeleteJobBlobsOutcome {
  /** Blobs under the job's prefix that were deleted (snapshots included). */
  deleted: number;
}

/**
 * Deletes every blob under the job's prefix `<instanceId>/` with the app's identity. The worker's
 * identity may only write, so what a stopped, killed or failed worker left (a finished file of an
 * incomplete ladder, a blob of a canceled upload) is removed here, once no worker can still write.
 * Throws (and is retried) on any storage failure; a blob already gone counts as deleted.
 */
export async function deleteJobBlobs(
  input: { instanceId: string },
  container: ContainerClient,
): Promise<DeleteJobBlobsOutcome> {
  // An id that cannot name a prefix never had blobs written for it (and must not widen the listing).
  if (jobBlobNameProblem(input.instanceId, `${jobBlobPrefix(input.instanceId)}x`)) return { deleted: 0 };
  let deleted = 0;
  for await (const blob of container.listBlobsFlat({ prefix: jobBlobPrefix(input.instanceId) })) {
    const answer = await container
      .deleteBlob(blob.name, { deleteSnapshots: 'include' })
      .catch((error: unknown) => {
        if ((error as { statusCode?: number }).statusCode === 404) return undefined;
        throw error;
      });
    if (answer) deleted += 1;
  }
  return { deleted };
}
