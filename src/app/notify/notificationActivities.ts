import type { DurableClient } from 'durable-functions';
import { findInstanceStatus } from '../durable/findInstanceStatus.js';
import { FUNCTION_NAMES } from '../functionNames.js';
import {
  deliverWebhook,
  type DeliverWebhookDependencies,
  type DeliverWebhookOutcome,
} from './deliverWebhook.js';
import {
  finalEventType,
  finalJobEvent,
  webhookEventId,
  type FinalJobEventDependencies,
  type JobEventType,
  type StartJobNotificationsInput,
} from './finalJobEvent.js';
import { emailOperationId, type SendEmail } from './acsEmailSender.js';
import {
  jobNotificationInstanceId,
  type JobNotificationInput,
  type NotificationChannel,
} from './jobNotificationOrchestrator.js';
import { recordNotification } from './notificationLog.js';
import { renderJobEmail } from './renderJobEmail.js';
import type { JobEvent } from '../../shared/jobView.js';

/** Which job's final state a notification attempt is about, and which attempt it is. */
interface NotificationAttemptInput {
  jobId: string;
  type: JobEventType;
  timestamp: string;
  attempt: number;
}

export interface DeliverJobWebhookInput extends NotificationAttemptInput {
  url: string;
  eventId: string;
}

export interface DeliverJobWebhookDependencies extends FinalJobEventDependencies {
  webhook: DeliverWebhookDependencies;
  record?: typeof recordNotification;
}

/** The outcome of an attempt that found no final job view to send: retried only while the job is finishing. */
function noEvent(jobId: string, reason: 'not-final' | 'not-found'): DeliverWebhookOutcome {
  return reason === 'not-final'
    ? {
        delivered: false,
        status: null,
        retryable: true,
        code: 'JOB_NOT_FINAL',
        message: `Job ${jobId} has not reached its final state yet.`,
      }
    : {
        delivered: false,
        status: null,
        retryable: false,
        code: 'JOB_NOT_FOUND',
        message: `Job ${jobId} no longer exists.`,
      };
}

/**
 * One attempt on `channel`: builds the final job event from the job's current view, sends it with
 * `send` and records the outcome for the job view. An attempt with no event to send (the job has not
 * finished yet, or is gone), or whose `earlierOutcome` says it already went out, ends unrecorded.
 */
async function attemptNotification(
  input: NotificationAttemptInput,
  deps: FinalJobEventDependencies & { record?: typeof recordNotification },
  channel: NotificationChannel,
  send: (event: JobEvent) => Promise<DeliverWebhookOutcome>,
  earlierOutcome: (event: JobEvent) => DeliverWebhookOutcome | undefined = () => undefined,
): Promise<DeliverWebhookOutcome> {
  const found = await finalJobEvent(input.jobId, input.type, input.timestamp, deps);
  if (!found.ok) return noEvent(input.jobId, found.reason);
  const earlier = earlierOutcome(found.event);
  if (earlier) return earlier;
  const outcome = await send(found.event);
  await record(deps.record, input.jobId, channel, input.type, input.attempt, outcome);
  return outcome;
}

/** One attempt to deliver a final state as a signed webhook; a job still finishing is tried again later. */
export function deliverJobWebhook(
  input: DeliverJobWebhookInput,
  deps: DeliverJobWebhookDependencies,
): Promise<DeliverWebhookOutcome> {
  return attemptNotification(input, deps, 'webhook', (event) =>
    deliverWebhook({ url: input.url, eventId: input.eventId, body: JSON.stringify(event) }, deps.webhook),
  );
}

export interface SendJobEmailInput extends NotificationAttemptInput {
  to: string;
  /** The ACS Operation-Id: one per job and final state. */
  operationId: string;
}

export interface SendJobEmailDependencies extends FinalJobEventDependencies {
  sendEmail: SendEmail;
  senderAddress: string;
  record?: typeof recordNotification;
}

/**
 * One attempt to mail a final state: the same job view as the webhook, as a short plain-text and
 * HTML mail. A mail the log already shows delivered is not sent again, and the Operation-Id makes a
 * repeat of an accepted send the same ACS operation, so one job and state never gets two mails.
 */
export function sendJobEmail(
  input: SendJobEmailInput,
  deps: SendJobEmailDependencies,
): Promise<DeliverWebhookOutcome> {
  const deliveredBefore = (event: JobEvent): DeliverWebhookOutcome | undefined => {
    const sent = event.data.notifications.find((n) => n.channel === 'email' && n.type === input.type);
    return sent?.delivered ? { delivered: true, status: sent.lastStatus ?? 202 } : undefined;
  };
  const send = (event: JobEvent) =>
    deps.sendEmail(
      {
        senderAddress: deps.senderAddress,
        recipients: { to: [{ address: input.to }] },
        content: renderJobEmail(event),
        // Read links must not be rewritten by click tracking.
        disableUserEngagementTracking: true,
      },
      input.operationId,
    );
  return attemptNotification(input, deps, 'email', send, deliveredBefore);
}

async function record(
  write: typeof recordNotification | undefined,
  jobId: string,
  channel: NotificationChannel,
  type: JobEventType,
  attempts: number,
  outcome: { delivered: boolean; status: number | null },
): Promise<void> {
  try {
    await (write ?? recordNotification)(jobId, {
      type,
      channel,
      attempts,
      lastStatus: outcome.status,
      delivered: outcome.delivered,
    });
  } catch {
    // The record is for display; failing to write it must not turn a delivery into a retry.
  }
}

/**
 * The seam the job orchestration calls on reaching a final state: starts one notification instance
 * per channel the request asked for (idempotent per job, state and channel), without waiting for any
 * delivery.
 */
export async function startJobNotifications(
  state: StartJobNotificationsInput,
  client: Pick<DurableClient, 'startNew' | 'getStatus'>,
): Promise<{ started: NotificationChannel[] }> {
  const type = finalEventType(state.outcome);
  const wanted: [NotificationChannel, string | undefined, string][] = [
    ['webhook', state.request.notifyUrl, webhookEventId(state.jobId, type)],
    ['email', state.request.notifyEmail, emailOperationId(state.jobId, type)],
  ];
  const started: NotificationChannel[] = [];
  for (const [channel, target, eventId] of wanted) {
    if (!target) continue;
    const instanceId = jobNotificationInstanceId(state.jobId, type, channel);
    if (await findInstanceStatus(client, instanceId)) continue;
    const input: JobNotificationInput = {
      jobId: state.jobId,
      type,
      timestamp: state.finishedAt,
      channel,
      eventId,
      target,
    };
    await client.startNew(FUNCTION_NAMES.jobNotificationOrchestrator, { instanceId, input });
    started.push(channel);
  }
  return { started };
}
