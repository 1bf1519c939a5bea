import { createHash } from 'node:crypto';
import { ownedJobId, type JobOwner } from '../auth/caller.js';

/**
 * The job an upload starts: named by the upload, so it is known (and returned) before the file
 * arrives; a signed-in user's upload job carries their owner prefix.
 */
export function uploadJobId(uploadId: string, owner?: JobOwner): string {
  return ownedJobId(owner, `upload-${uploadId}`);
}

/**
 * The job a blob dropped into `incoming` starts: derived from its name and its ETag (which changes
 * whenever the blob is written), so a redelivered event for the same blob names the same job and
 * starts nothing new, while a new blob under an old name is a new job.
 */
export function droppedBlobJobId(blobPath: string, etag: string): string {
  const hash = createHash('sha256')
    .update(`${blobPath}\n${etag.replace(/^"|"$/g, '')}`)
    .digest('hex');
  return `blob-${hash.slice(0, 32)}`;
}

/** The upload id in a blob name `<uploadId>/<filename>`, when the name has that shape. */
export function uploadIdOf(blobName: string): string | undefined {
  const match = /^([a-f0-9]{32})\/[^/]+$/.exec(blobName);
  return match?.[1];
}
