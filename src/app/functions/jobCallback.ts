import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';
import { appCallbackTokens, type CallbackTokens } from '../callback/callbackToken.js';
import { SigningKeyUnavailableError } from '../errors/SigningKeyUnavailableError.js';
import {
  EVENT_NAMES,
  MAX_EVENT_BYTES,
  MAX_LISTING_EVENT_BYTES,
  jobProgressSchema,
  jobResultSchema,
  playlistListingSchema,
  type JobProgress,
} from '../../shared/index.js';
import { appJobProgressLog, type JobProgressLog } from '../jobs/jobProgressLog.js';
import { appJobSignalStore, type JobSignalStore } from '../jobs/jobSignals.js';
import { FINISHED_STATES, findInstanceStatus } from '../durable/findInstanceStatus.js';
import { HttpError } from '../errors/HttpError.js';
import { jsonResponse } from '../http/jsonResponse.js';
import { mediaTypeOf, readJsonBody, unsupportedMediaType } from '../http/readLimitedBody.js';
import { withErrorResponses } from '../http/withErrorResponses.js';
import { FUNCTION_NAMES } from '../functionNames.js';
import { JOB_CALLBACK_ROUTE } from '../../shared/jobCallbackUrl.js';
import { attemptEventName, currentAttempt, runCreatedTime } from '../orchestrations/attemptEvents.js';

/** The durable client methods the callback uses (the real DurableClient satisfies it). */
export type JobCallbackClient = Pick<DurableClient, 'getStatus' | 'raiseEvent'>;

const PAYLOAD_SCHEMAS = {
  [EVENT_NAMES.progress]: jobProgressSchema,
  [EVENT_NAMES.finished]: jobResultSchema,
  [EVENT_NAMES.listed]: playlistListingSchema,
} as const;

/** A playlist's listing may be larger than a progress or result report. */
const EVENT_BYTE_LIMITS: Record<keyof typeof PAYLOAD_SCHEMAS, number> = {
  [EVENT_NAMES.progress]: MAX_EVENT_BYTES,
  [EVENT_NAMES.finished]: MAX_EVENT_BYTES,
  [EVENT_NAMES.listed]: MAX_LISTING_EVENT_BYTES,
};

function isJobEventName(name: string): name is keyof typeof PAYLOAD_SCHEMAS {
  return Object.hasOwn(PAYLOAD_SCHEMAS, name);
}

function unauthorized(message: string): HttpError {
  return new HttpError(401, 'UNAUTHORIZED', message, {
    retryable: false,
    headers: { 'WWW-Authenticate': 'Bearer realm="mediaferry-job-callback"' },
  });
}

/** An instant no run was created at: the token check of an unknown instance still runs, and fails. */
const NO_RUN = new Date(0);

async function checkToken(
  request: HttpRequest,
  instanceId: string,
  status: DurableOrchestrationStatus | undefined,
  tokens: CallbackTokens,
): Promise<void> {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
  if (!match?.[1]) throw unauthorized("Send the job's callback token as 'Authorization: Bearer <token>'.");
  let valid: boolean;
  try {
    // Each attempt's container has its own token: an earlier attempt's is refused once the next one is current.
    const run = {
      instanceId,
      createdTime: status ? runCreatedTime(status) : NO_RUN,
      attempt: currentAttempt(status?.customStatus),
    };
    valid = await tokens.verify(run, match[1]);
  } catch (error) {
    if (!(error instanceof SigningKeyUnavailableError)) throw error;
    throw new HttpError(503, error.code, 'Callback tokens cannot be checked right now; retry shortly.', {
      retryable: true,
      headers: { 'Retry-After': '5' },
    });
  }
  if (!valid || !status) throw unauthorized('The callback token is not valid for this run of this job.');
}

/**
 * POST /api/jobs/{instanceId}/events/{eventName}: a job's container reports progress or its result.
 * Progress is recorded in the job's progress log and raised into the orchestration only when its phase
 * changes; the result is always raised, under the current attempt's event name.
 * The per-run token is checked against the instance's current run before anything else is answered,
 * so a caller without one learns nothing, not even whether the job exists.
 */
export async function receiveJobCallback(
  request: HttpRequest,
  client: JobCallbackClient,
  context: InvocationContext,
  tokens: CallbackTokens = appCallbackTokens(),
  progressLog: JobProgressLog = appJobProgressLog(),
  signals: JobSignalStore = appJobSignalStore(),
): Promise<HttpResponseInit> {
  return withErrorResponses(context, async () => {
    const instanceId = request.params.instanceId ?? '';
    const eventName = request.params.eventName ?? '';
    // The token is bound to the run, so the run's creation time is needed to check it.
    const status = await findInstanceStatus(client, instanceId);
    await checkToken(request, instanceId, status, tokens);

    if (!isJobEventName(eventName))
      throw new HttpError(
        404,
        'UNKNOWN_EVENT',
        `Unknown event "${eventName.slice(0, 64)}"; expected ${Object.keys(PAYLOAD_SCHEMAS).join(', ')}.`,
        { retryable: false },
      );
    const mediaType = mediaTypeOf(request);
    if (mediaType !== '' && mediaType !== 'application/json')
      throw unsupportedMediaType('Event payloads must be application/json.');
    const payload = await readJsonBody(request, EVENT_BYTE_LIMITS[eventName], 'The event payload');
    const parsed = PAYLOAD_SCHEMAS[eventName].safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || undefined;
      throw new HttpError(
        400,
        'INVALID_PAYLOAD',
        `Invalid ${eventName} payload${field ? ` at ${field}` : ''}: ${issue?.message ?? 'invalid'}.`,
        { retryable: false, ...(field ? { field } : {}) },
      );
    }

    const attempt = currentAttempt(status?.customStatus);
    if (!status)
      throw new HttpError(404, 'INSTANCE_NOT_FOUND', `No job with id ${instanceId}.`, { retryable: false });
    if (FINISHED_STATES.includes(status.runtimeStatus))
      throw new HttpError(
        410,
        'JOB_FINISHED',
        `Job ${instanceId} has already finished (${status.runtimeStatus}); the event was not delivered.`,
        { retryable: false },
      );
    if (eventName === EVENT_NAMES.progress) {
      const progress = parsed.data as JobProgress;
      const recorded = await recordProgress(progressLog, instanceId, attempt, progress, context);
      // Only a new phase goes into the orchestration (and its history); the percent is read from the log.
      const phase = (status.customStatus as { phase?: unknown } | null | undefined)?.phase;
      if (recorded && phase === progress.phase)
        return jsonResponse(202, { instanceId, eventName, accepted: true });
    }
    // Recorded before it is raised: an orchestration continuing as new may drop the event, and its
    // next generation then finds the report here.
    if (eventName === EVENT_NAMES.finished)
      await recordFinished(signals, instanceId, runCreatedTime(status), attempt, parsed.data, context);
    try {
      await client.raiseEvent(instanceId, attemptEventName(eventName, attempt), parsed.data);
    } catch (error) {
      // The instance may have been purged between the status check and the event.
      if (error instanceof Error && /No instance with ID/.test(error.message))
        throw new HttpError(404, 'INSTANCE_NOT_FOUND', `No job with id ${instanceId}.`, { retryable: false });
      throw error;
    }
    context.log(`Delivered ${eventName} to job ${instanceId}.`);
    return jsonResponse(202, { instanceId, eventName, accepted: true });
  });
}

/** Records the report; false (after a warning) when it could not be, so it is raised as an event instead. */
async function recordProgress(
  log: JobProgressLog,
  instanceId: string,
  attempt: number,
  progress: JobProgress,
  context: InvocationContext,
): Promise<boolean> {
  try {
    await log.record(instanceId, { attempt, progress, receivedAt: new Date().toISOString() });
    return true;
  } catch (error) {
    context.warn(
      `Recording the progress of job ${instanceId} failed (${error instanceof Error ? error.message : String(error)}); it goes to the orchestration instead.`,
    );
    return false;
  }
}

/** Records the final report; a failure only warns, the event still carries the report. */
async function recordFinished(
  signals: JobSignalStore,
  instanceId: string,
  runCreatedAt: Date,
  attempt: number,
  result: unknown,
  context: InvocationContext,
): Promise<void> {
  try {
    await signals.recordFinished(instanceId, {
      runCreatedAt: runCreatedAt.toISOString(),
      attempt,
      result,
      receivedAt: new Date().toISOString(),
    });
  } catch (error) {
    context.warn(
      `Recording the final report of job ${instanceId} failed (${error instanceof Error ? error.message : String(error)}); it is raised as an event only.`,
    );
  }
}

df.app.client.http(FUNCTION_NAMES.jobCallback, {
  route: JOB_CALLBACK_ROUTE,
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: (request, client, context) => receiveJobCallback(request, client, context),
});
