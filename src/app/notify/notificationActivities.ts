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
import { jobNotificationInstanceId, type JobNotificationInput } from './jobNotificationOrchestrator.js';
import { recordNotification } from './notificationLog.js';

export interface DeliverJobWebhookInput {
  jobId: string;
  type: JobEventType;
  timestamp: string;
  attempt: number;
  url: string;
  eventId: string;
}

export interface DeliverJobWebhookDependencies extends FinalJobEventDependencies {
  webhook: DeliverWebhookDependencies;
  record?: typeof recordNotification;
}

/**
 * One attempt: builds the event from the job's current view, signs and sends it, and records the
 * outcome for the job view. A job whose instance has not finished yet is tried again later, unrecorded.
 */
export async function deliverJobWebhook(
  input: DeliverJobWebhookInput,
  deps: DeliverJobWebhookDependencies,
): Promise<DeliverWebhookOutcome> {
  const event = await finalJobEvent(input.jobId, input.type, input.timestamp, deps);
  if (!event)
    return {
      delivered: false,
      status: null,
      retryable: true,
      code: 'JOB_NOT_FINAL',
      message: `Job ${input.jobId} has not reached its final state yet.`,
    };
  const outcome = await deliverWebhook(
    { url: input.url, eventId: input.eventId, body: JSON.stringify(event) },
    deps.webhook,
  );
  try {
    await (deps.record ?? recordNotification)(input.jobId, {
      type: input.type,
      channel: 'webhook',
      attempts: input.attempt,
      lastStatus: outcome.status,
      delivered: outcome.delivered,
    });
  } catch {
    // The record is for display; failing to write it must not turn a delivery into a retry.
  }
  return outcome;
}

/**
 * The seam the job orchestration calls on reaching a final state: starts the event's notification
 * instance (idempotent per job and state), without waiting for any delivery.
 */
export async function startJobNotifications(
  state: StartJobNotificationsInput,
  client: Pick<DurableClient, 'startNew' | 'getStatus'>,
): Promise<{ started: boolean }> {
  if (!state.request.notifyUrl) return { started: false };
  const type = finalEventType(state.outcome);
  const instanceId = jobNotificationInstanceId(state.jobId, type);
  if (await findInstanceStatus(client, instanceId)) return { started: false };
  const input: JobNotificationInput = {
    jobId: state.jobId,
    type,
    timestamp: state.finishedAt,
    eventId: webhookEventId(state.jobId, type),
    webhookUrl: state.request.notifyUrl,
  };
  await client.startNew(FUNCTION_NAMES.jobNotificationOrchestrator, { instanceId, input });
  return { started: true };
}
