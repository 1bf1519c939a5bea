import type { DurableClient } from 'durable-functions';
import type { JobEvent } from '../../shared/jobView.js';
import { getConfig } from '../config.js';
import { findInstanceStatus } from '../durable/findInstanceStatus.js';
import { FUNCTION_NAMES } from '../functionNames.js';
import { deliverWebhook, type DeliverWebhookOutcome } from './deliverWebhook.js';
import { finalJobEvent, webhookEventId, type FinalJobState } from './finalJobEvent.js';
import { jobNotificationInstanceId, type JobNotificationInput } from './jobNotificationOrchestrator.js';
import { recordNotification } from './notificationLog.js';
import { webhookSigningSecret } from './webhookSigningSecret.js';

export interface DeliverJobWebhookInput {
  jobId: string;
  type: JobEvent['type'];
  attempt: number;
  url: string;
  eventId: string;
  body: string;
}

/** One attempt, and its outcome recorded for the job view. */
export async function deliverJobWebhook(input: DeliverJobWebhookInput): Promise<DeliverWebhookOutcome> {
  const outcome = await deliverWebhook(input, {
    secret: webhookSigningSecret,
    allowPrivateSources: getConfig().allowPrivateSources,
  });
  try {
    await recordNotification(input.jobId, {
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
 * The seam the job orchestration calls on reaching a final state: builds the event and starts its
 * notification instance (idempotent per job and state), without waiting for any delivery.
 */
export async function startJobNotifications(
  state: FinalJobState,
  client: Pick<DurableClient, 'startNew' | 'getStatus'>,
): Promise<{ started: boolean }> {
  if (!state.request.notifyUrl) return { started: false };
  const event = finalJobEvent(state);
  const instanceId = jobNotificationInstanceId(state.jobId, event.type);
  if (await findInstanceStatus(client, instanceId)) return { started: false };
  const input: JobNotificationInput = {
    jobId: state.jobId,
    event,
    eventId: webhookEventId(state.jobId, event.type),
    webhookUrl: state.request.notifyUrl,
  };
  await client.startNew(FUNCTION_NAMES.jobNotificationOrchestrator, { instanceId, input });
  return { started: true };
}
