import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';
import { callerOf, canSeeJob, ownerIdPrefix } from '../auth/caller.js';
import { getConfig } from '../config.js';
import { HttpError } from '../errors/HttpError.js';
import { jobNotifications } from '../notify/notificationLog.js';
import { startJobFromHttp } from '../functions/orchestratorHttpStart.js';
import { jsonResponse } from '../http/jsonResponse.js';
import { mediaTypeOf, unsupportedMediaType } from '../http/readLimitedBody.js';
import { withErrorResponses } from '../http/withErrorResponses.js';
import { buildJobView } from './buildJobView.js';
import { appJobProgressLog, latestProgressOf, type JobProgressLog } from './jobProgressLog.js';
import { CANCEL_JOB_EVENT } from './cancelJobEvent.js';
import { findJob, isJobOrchestration } from './findJob.js';
import { runningPlaylistChildren } from './runningPlaylistChildren.js';
import { appJobSignalStore, type JobSignalStore } from './jobSignals.js';
import { runCreatedTime } from '../orchestrations/attemptEvents.js';
import { jobIdFrom, jobNotFound } from './jobId.js';
import { jobUrlsFor } from './jobUrls.js';
import { listJobInstances } from './listJobInstances.js';
import { appMediaReadLinks, type ReadLink } from './MediaReadLinks.js';
import { methodNotAllowed } from './methodNotAllowed.js';
import { STATUS_RETRY_AFTER_SECONDS } from './queryJobStatus.js';
import { RUNTIME_STATUSES_OF, parseJobListQuery } from './parseJobListQuery.js';
import { FINAL_JOB_STATUSES, type JobNotification, type JobView } from '../../shared/jobView.js';

/** What the jobs API needs besides the durable client; tests pass their own. */
export interface JobsApiDependencies {
  readLink: (blobName: string) => Promise<ReadLink>;
  /** Where running jobs' latest progress is read; without it the view shows customStatus alone. */
  progressLog?: JobProgressLog;
  notifications?: (jobId: string) => Promise<JobNotification[]>;
  /** Where a cancel request is recorded before it is raised; without it the event alone carries it. */
  signals?: JobSignalStore;
  fetch?: typeof fetch;
}

function appDependencies(): JobsApiDependencies {
  const links = appMediaReadLinks(getConfig());
  return {
    readLink: (blobName) => links.readLink(blobName),
    progressLog: appJobProgressLog(),
    notifications: (id) => jobNotifications(id),
    signals: appJobSignalStore(),
  };
}

async function viewOf(
  request: HttpRequest,
  status: DurableOrchestrationStatus,
  deps: JobsApiDependencies,
  client: Pick<DurableClient, 'getStatus'>,
) {
  const progress = deps.progressLog
    ? await latestProgressOf(deps.progressLog, status.instanceId, status)
    : undefined;
  return buildJobView({
    status,
    statusQueryGetUri: jobUrlsFor(request, status.instanceId).statusQueryGetUri,
    readLink: deps.readLink,
    progress,
    ...(deps.notifications ? { notifications: deps.notifications } : {}),
    runningChildren: (id, custom) => runningPlaylistChildren(client, id, custom),
  });
}

/**
 * POST /api/jobs: the starter's JSON form (same body, limits and validation, idempotency included),
 * answered with the job view and `Location: /api/jobs/{id}`.
 */
async function submitJob(
  request: HttpRequest,
  client: DurableClient,
  context: InvocationContext,
  deps: JobsApiDependencies,
): Promise<HttpResponseInit> {
  if (mediaTypeOf(request) !== 'application/json')
    throw unsupportedMediaType('Send the job request as application/json.');
  const started = await startJobFromHttp(request, client, context);
  if (started.status !== 202) return started;
  const id = (started.jsonBody as { id: string }).id;
  const status = await findJob(client, id);
  if (!status) throw new Error(`Job ${id} was started but its status cannot be read.`);
  const urls = jobUrlsFor(request, id);
  return jsonResponse(202, await viewOf(request, status, deps, client), {
    Location: urls.jobUri,
    'Retry-After': String(STATUS_RETRY_AFTER_SECONDS),
  });
}

function createdWithin(createdAt: string, from: Date | undefined, to: Date | undefined): boolean {
  const at = Date.parse(createdAt);
  return (from === undefined || at >= from.getTime()) && (to === undefined || at <= to.getTime());
}

/** GET /api/jobs: one page of jobs, newest first within the page, filtered by the durable query. */
async function listJobs(
  request: HttpRequest,
  client: DurableClient,
  deps: JobsApiDependencies,
): Promise<HttpResponseInit> {
  const query = parseJobListQuery(new URL(request.url).searchParams);
  // A signed-in user lists only their own jobs (an admin and a key holder list all).
  const caller = callerOf(request);
  const own = caller.kind === 'user' && !caller.admin ? ownerIdPrefix(caller.ownerKey) : undefined;
  const runtimeStatus = [...new Set(query.statuses.flatMap((s) => RUNTIME_STATUSES_OF[s]))];
  const page = await listJobInstances(
    client,
    {
      runtimeStatus,
      top: query.top,
      ...(own ? { instanceIdPrefix: own } : {}),
      // A job that continued as new may report its generation's later creation time: the backend's
      // lower bound still holds for it, the upper one is applied to the job's own creation time below.
      ...(query.createdFrom ? { createdFrom: query.createdFrom } : {}),
      ...(query.continuationToken ? { continuationToken: query.continuationToken } : {}),
    },
    deps.fetch,
  );
  const views: JobView[] = [];
  for (const instance of page.instances) {
    if (!isJobOrchestration(instance.name)) continue;
    const view = await viewOf(request, instance, deps, client);
    // Some job statuses share a runtime status (Queued and Running); the page keeps the asked ones.
    if (query.statuses.length > 0 && !query.statuses.includes(view.status)) continue;
    if (!createdWithin(view.createdAt, query.createdFrom, query.createdTo)) continue;
    views.push(view);
  }
  views.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  return jsonResponse(200, { jobs: views, continuationToken: page.continuationToken });
}

type JobsHandler = (
  request: HttpRequest,
  client: DurableClient,
  context: InvocationContext,
  deps: () => JobsApiDependencies,
) => Promise<HttpResponseInit>;

/** A /api/jobs route: what it throws becomes an error response; its dependencies are the app's unless given. */
function jobsRoute(handle: JobsHandler) {
  return (
    request: HttpRequest,
    client: DurableClient,
    context: InvocationContext,
    deps: () => JobsApiDependencies = appDependencies,
  ): Promise<HttpResponseInit> => withErrorResponses(context, () => handle(request, client, context, deps));
}

/** GET and POST /api/jobs. */
export const serveJobsCollection = jobsRoute(async (request, client, context, deps) => {
  if (request.method === 'GET') return listJobs(request, client, deps());
  if (request.method === 'POST') return submitJob(request, client, context, deps());
  throw methodNotAllowed(request.method, ['GET', 'POST']);
});

/** GET /api/jobs/{id}: the job view with fresh read links; 404 for an unknown job. */
export const serveJob = jobsRoute(async (request, client, _context, deps) => {
  const { status } = await existingJob(request, client, 'GET');
  return jsonResponse(200, await viewOf(request, status, deps(), client));
});

/**
 * The job a one-job route names, after the method and id checks: 405, 400 and 404 otherwise. Another
 * user's job is a 404 exactly like an unknown one, so ids cannot be probed.
 */
async function existingJob(request: HttpRequest, client: DurableClient, method: 'GET' | 'POST') {
  if (request.method !== method) throw methodNotAllowed(request.method, [method]);
  const id = jobIdFrom(request.params);
  if (!canSeeJob(callerOf(request), id)) throw jobNotFound(id);
  const status = await findJob(client, id);
  if (!status) throw jobNotFound(id);
  return { id, status };
}

/**
 * POST /api/jobs/{id}/cancel: raises the cancel event the orchestrator waits on; it deletes the
 * job's container group and ends the job Canceled. 202 with the view; 409 when the job has already
 * finished (its status is in the error); 404 for an unknown job.
 */
export const cancelJob = jobsRoute(async (request, client, context, deps) => {
  const { id, status } = await existingJob(request, client, 'POST');
  const dependencies = deps();
  const view = await viewOf(request, status, dependencies, client);
  if (FINAL_JOB_STATUSES.includes(view.status))
    throw new HttpError(
      409,
      'JOB_FINISHED',
      `Job ${id} has already finished (${view.status}); nothing to cancel.`,
      {
        retryable: false,
        extra: { status: view.status },
      },
    );
  const requestedAt = new Date().toISOString();
  // Recorded first: an orchestration continuing as new may drop the event, and its next
  // generation then finds the request here. Not recorded, the request is not sent at all.
  try {
    await dependencies.signals?.recordCancel(id, {
      runCreatedAt: runCreatedTime(status).toISOString(),
      requestedAt,
    });
  } catch (error) {
    context.warn(
      `Recording the cancel of job ${id} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    throw new HttpError(
      503,
      'CANCEL_NOT_RECORDED',
      'The cancel request could not be recorded; retry shortly.',
      {
        retryable: true,
        headers: { 'Retry-After': '5' },
      },
    );
  }
  await client.raiseEvent(id, CANCEL_JOB_EVENT, { requestedAt });
  context.log(`Cancel requested for job ${id}.`);
  return jsonResponse(202, view, { Location: jobUrlsFor(request, id).jobUri });
});
