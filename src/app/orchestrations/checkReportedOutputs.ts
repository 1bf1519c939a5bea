import type { JobOutput } from '../../shared/contracts.js';
import { jobBlobNameProblem } from '../../shared/naming.js';

/** Where this app's media lives: the configured endpoint and container. */
export interface MediaLocation {
  mediaBlobEndpoint: string;
  mediaContainer: string;
}

/**
 * Why a reported output does not belong to this job, or undefined when all do. A JobFinished event can
 * be raised by anyone holding the Durable system key, so outputs are accepted only under the job's own
 * blob prefix, at the URL that blob has on the configured media endpoint (no other host, container,
 * query string or fragment).
 */
export function reportedOutputsProblem(
  instanceId: string,
  outputs: readonly JobOutput[],
  media: MediaLocation,
): string | undefined {
  for (const output of outputs) {
    const blobProblem = jobBlobNameProblem(instanceId, output.blobName);
    if (blobProblem) return `Output ${output.blobName.slice(0, 200)}: ${blobProblem}.`;
    const expected = `${media.mediaBlobEndpoint.replace(/\/+$/, '')}/${media.mediaContainer}/${output.blobName}`;
    let url: URL;
    try {
      url = new URL(output.url);
    } catch {
      return `Output ${output.blobName}: its URL cannot be parsed.`;
    }
    if (url.href !== new URL(expected).href)
      return `Output ${output.blobName}: its URL is not the job's blob on the configured media endpoint.`;
  }
  return undefined;
}
