import type { OrchestrationContext, Task } from 'durable-functions';
import { FUNCTION_NAMES } from '../functionNames.js';
import type { DeliverWebhookOutcome } from './deliverWebhook.js';
import type { JobEventType } from './finalJobEvent.js';
import type { DeliverJobWebhookInput, SendJobEmailInput } from './notificationActivities.js';

export type NotificationChannel = 'webhook' | 'email';

/** Started as its own instance by the job's final step, one per channel; the job never waits on it. */
export interface JobNotificationInput {
  jobId: string;
  type: JobEventType;
  /** When the job reached its final state: the event's `timestamp`. */
  timestamp: string;
  channel: NotificationChannel;
  /** The `webhook-id` (webhook) or the ACS `Operation-Id` (email): the same on every attempt. */
  eventId: string;
  /** The receiver's URL (webhook) or the recipient's address (email). */
  target: string;
}

/** Waits between webhook attempts: 11 attempts over about 64 minutes, then the event is given up. */
export const WEBHOOK_RETRY_DELAYS_SECONDS = [5, 10, 30, 60, 120, 300, 600, 900, 900, 900] as const;
/** Waits between attempts to hand a mail to ACS, whose own delivery retries take over from there. */
export const EMAIL_RETRY_DELAYS_SECONDS = [5, 30, 120, 600, 1800] as const;

/** The instance id of one channel's notification of a job's final state, so a start is idempotent. */
export function jobNotificationInstanceId(
  jobId: string,
  type: JobEventType,
  channel: NotificationChannel = 'webhook',
): string {
  return `${jobId}-${channel === 'webhook' ? 'notify' : 'email'}-${type.replace('job.', '')}`;
}

/**
 * Delivers one final-state event on one channel: each attempt is an activity (which builds the job
 * view afresh), each wait a durable timer, so the retries survive restarts and cost nothing while
 * waiting. The event id is fixed once for all attempts.
 */
export function* jobNotificationOrchestrator(context: OrchestrationContext): Generator<Task, void, unknown> {
  const input = context.df.getInput<JobNotificationInput>();
  const delays = input.channel === 'email' ? EMAIL_RETRY_DELAYS_SECONDS : WEBHOOK_RETRY_DELAYS_SECONDS;
  for (let attempt = 1; ; attempt++) {
    const common = { jobId: input.jobId, type: input.type, timestamp: input.timestamp, attempt };
    const outcome = (yield input.channel === 'email'
      ? context.df.callActivity(FUNCTION_NAMES.sendJobEmail, {
          ...common,
          to: input.target,
          operationId: input.eventId,
        } satisfies SendJobEmailInput)
      : context.df.callActivity(FUNCTION_NAMES.deliverJobWebhook, {
          ...common,
          url: input.target,
          eventId: input.eventId,
        } satisfies DeliverJobWebhookInput)) as DeliverWebhookOutcome;
    if (outcome.delivered || !outcome.retryable) return;
    const delay = delays[attempt - 1];
    if (delay === undefined) return;
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + delay * 1000));
  }
}
