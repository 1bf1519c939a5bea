import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import { FINISHED_STATES, findInstanceStatus } from '../durable/findInstanceStatus.js';
import { isJobOrchestration } from './findJob.js';
import { jsonResponse } from '../http/jsonResponse.js';
import { withErrorResponses } from '../http/withErrorResponses.js';
import { jobIdFrom, jobNotFound } from './jobId.js';
import { callerOf, canSeeJob } from '../auth/caller.js';
import { jobUrlsFor } from './jobUrls.js';
import { runCreatedTime } from '../orchestrations/attemptEvents.js';
import { methodNotAllowed } from './methodNotAllowed.js';
import {
  appJobProgressLog,
  latestProgressOf,
  withLatestProgress,
  type JobProgressLog,
} from './jobProgressLog.js';
import type { JobCustomStatus } from '../../shared/contracts.js';

/** Seconds a poller is asked to wait between status queries, as the Durable extension does. */
export const STATUS_RETRY_AFTER_SECONDS = 10;

export type JobStatusClient = Pick<DurableClient, 'getStatus'>;

/**
 * GET /api/jobs/{id}/status: the Durable check-status body (`runtimeStatus`, `customStatus`,
 * `output`, times) served by the app, so clients never hold a Durable URL or system key. While the
 * job runs, customStatus carries the latest progress report the callback recorded. 202 with
 * `Location` and `Retry-After` while the job runs, 200 once it is final. The orchestration input is
 * left out: it is the app's business, not the caller's.
 */
export async function queryJobStatus(
  request: HttpRequest,
  client: JobStatusClient,
  context: InvocationContext,
  progressLog: JobProgressLog = appJobProgressLog(),
): Promise<HttpResponseInit> {
  return withErrorResponses(context, async () => {
    if (request.method !== 'GET') throw methodNotAllowed(request.method, ['GET']);
    const id = jobIdFrom(request.params);
    if (!canSeeJob(callerOf(request), id)) throw jobNotFound(id);
    const status = await findInstanceStatus(client, id);
    if (!status || !isJobOrchestration(status.name)) throw jobNotFound(id);
    const body = {
      name: status.name,
      instanceId: status.instanceId,
      runtimeStatus: status.runtimeStatus,
      // The percent between phase changes lives outside the orchestration; merged here.
      customStatus:
        withLatestProgress(
          (status.customStatus ?? undefined) as JobCustomStatus | undefined,
          await latestProgressOf(progressLog, id, status),
        ) ?? null,
      output: status.output ?? null,
      createdTime: runCreatedTime(status).toISOString(),
      lastUpdatedTime: new Date(status.lastUpdatedTime).toISOString(),
    };
    if (FINISHED_STATES.includes(status.runtimeStatus)) return jsonResponse(200, body);
    return jsonResponse(202, body, {
      Location: jobUrlsFor(request, id).statusQueryGetUri,
      'Retry-After': String(STATUS_RETRY_AFTER_SECONDS),
    });
  });
}
