import type { HttpRequest } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import { canSeeJob, requireSignedIn } from '../auth/caller.js';
import { findJob } from '../jobs/findJob.js';
import { jobIdFrom, jobNotFound } from '../jobs/jobId.js';
import { jobSucceededSchema, type JobOutput } from '../../shared/contracts.js';

/**
 * The id of the signed-in user's job named in the route, and its succeeded result's first output of
 * `kind` (undefined when the job did not succeed or has none). Someone else's job or an unknown one is
 * 404 JOB_NOT_FOUND; no session is 401.
 */
export async function signedInJobOutput(
  request: HttpRequest,
  client: Pick<DurableClient, 'getStatus'>,
  kind: JobOutput['kind'],
): Promise<{ id: string; output: JobOutput | undefined }> {
  const caller = requireSignedIn(request);
  const id = jobIdFrom(request.params);
  if (!canSeeJob(caller, id)) throw jobNotFound(id);
  const status = await findJob(client, id);
  if (!status) throw jobNotFound(id);
  const result = jobSucceededSchema.safeParse(status.output);
  const output = result.success ? result.data.outputs.find((each) => each.kind === kind) : undefined;
  return { id, output };
}
