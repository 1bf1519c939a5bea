import { parseJobRequest } from '../../shared/contracts.js';
import { parseBlobJobRequest, type JobSpec } from '../../shared/blobSource.js';
import { jobBlobNameProblem } from '../../shared/naming.js';

/** What the orchestrator needs to judge its input: the source policy in force when the job ran. */
export interface InputPolicy {
  allowPrivateSources: boolean;
  allowedPrivateSources?: string[];
}

export type CheckedInput =
  { ok: true; request: JobSpec; outputBlobName: string } | { ok: false; message: string };

/**
 * Re-applies the starter's rules to an orchestration's input: anyone holding the Durable system key
 * can start `jobOrchestrator` directly, with an input no starter ever saw. Same schema, same source
 * URL policy, same blob-name rule; the first problem is returned as a message a caller can act on.
 */
export function checkOrchestrationInput(
  instanceId: string,
  input: unknown,
  policy: InputPolicy,
  kind: 'job' | 'playlist' = 'job',
): CheckedInput {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return {
      ok: false,
      message: 'The orchestration input must be an object with request and outputBlobName.',
    };
  const { request, outputBlobName } = input as { request?: unknown; outputBlobName?: unknown };
  const isBlob = typeof request === 'object' && request !== null && 'sourceBlob' in request;
  const parsed = isBlob ? parseBlobJobRequest(request, policy) : parseJobRequest(request, policy);
  if (!parsed.ok) return { ok: false, message: `request: ${parsed.problem.code}: ${parsed.problem.message}` };
  // A playlist is listed and fanned out by its own orchestration; a job runs exactly one item.
  const isPlaylist = 'playlist' in parsed.request && parsed.request.playlist !== undefined;
  if (isPlaylist !== (kind === 'playlist'))
    return {
      ok: false,
      message:
        kind === 'playlist'
          ? 'request.playlist is required for a playlist job.'
          : 'request.playlist is set: a playlist runs as a playlist job, not as one job.',
    };
  if (typeof outputBlobName !== 'string') return { ok: false, message: 'outputBlobName must be a string.' };
  const blobProblem = jobBlobNameProblem(instanceId, outputBlobName);
  if (blobProblem) return { ok: false, message: `outputBlobName: ${blobProblem}.` };
  return { ok: true, request: parsed.request, outputBlobName };
}
