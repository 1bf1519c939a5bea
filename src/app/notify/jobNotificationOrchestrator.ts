import type { OrchestrationContext, Task } from 'durable-functions';
import { FUNCTION_NAMES } from '../functionNames.js';
import type { DeliverWebhookOutcome } from './deliverWebhook.js';
import type { JobEventType } from './finalJobEvent.js';
import type { DeliverJobWebhookInput } from './notificationActivities.js';

/** Started as its own instance by the job's final step; the job never waits on it. */
export interface JobNotificationInput {
  jobId: string;
  type: JobEventType;
  /** When the job reached its final state: the event's `timestamp`. */
  timestamp: string;
  eventId: string;
  webhookUrl?: string;
}

/** Waits between webhook attempts: 11 attempts over about 64 minutes, then the event is given up. */
export const WEBHOOK_RETRY_DELAYS_SECONDS = [5, 10, 30, 60, 120, 300, 600, 900, 900, 900] as const;

/** The instance id of a job's notifications: one per job and final state, so a start is idempotent. */
export function jobNotificationInstanceId(jobId: string, type: JobEventType): string {
  return `${jobId}-notify-${type.replace('job.', '')}`;
}

/**
 * Delivers one final-state event: each attempt is an activity (which builds the job view afresh),
 * each wait a durable timer, so the retries survive restarts and cost nothing while waiting. The
 * `webhook-id` is fixed once for all attempts.
 */
export function* jobNotificationOrchestrator(context: OrchestrationContext): Generator<Task, void, unknown> {
  const input = context.df.getInput<JobNotificationInput>();
  if (!input.webhookUrl) return;
  for (let attempt = 1; ; attempt++) {
    const request: DeliverJobWebhookInput = {
      jobId: input.jobId,
      type: input.type,
      timestamp: input.timestamp,
      attempt,
      url: input.webhookUrl,
      eventId: input.eventId,
    };
    const outcome = (yield context.df.callActivity(
      FUNCTION_NAMES.deliverJobWebhook,
      request,
    )) as DeliverWebhookOutcome;
    if (outcome.delivered || !outcome.retryable) return;
    const delay = WEBHOOK_RETRY_DELAYS_SECONDS[attempt - 1];
    if (delay === undefined) return;
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + delay * 1000));
  }
}
