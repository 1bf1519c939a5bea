import type { OrchestrationContext, Task } from 'durable-functions';
import type { JobEvent } from '../../shared/jobView.js';
import { FUNCTION_NAMES } from '../functionNames.js';
import type { DeliverWebhookOutcome } from './deliverWebhook.js';
import type { DeliverJobWebhookInput } from './notificationActivities.js';

/** Started as its own instance by the job's final step; the job never waits on it. */
export interface JobNotificationInput {
  jobId: string;
  event: JobEvent;
  eventId: string;
  webhookUrl?: string;
}

/** Waits between webhook attempts: 11 attempts over about 64 minutes, then the event is given up. */
export const WEBHOOK_RETRY_DELAYS_SECONDS = [5, 10, 30, 60, 120, 300, 600, 900, 900, 900] as const;

/** The instance id of a job's notifications: one per job and final state, so a start is idempotent. */
export function jobNotificationInstanceId(jobId: string, type: JobEvent['type']): string {
  return `${jobId}-notify-${type.replace('job.', '')}`;
}

/**
 * Delivers one final-state event: each attempt is an activity, each wait a durable timer, so the
 * retries survive restarts and cost nothing while waiting. The body and `webhook-id` are fixed once.
 */
export function* jobNotificationOrchestrator(context: OrchestrationContext): Generator<Task, void, unknown> {
  const input = context.df.getInput<JobNotificationInput>();
  if (!input.webhookUrl) return;
  const body = JSON.stringify(input.event);
  for (let attempt = 1; ; attempt++) {
    const request: DeliverJobWebhookInput = {
      jobId: input.jobId,
      type: input.event.type,
      attempt,
      url: input.webhookUrl,
      eventId: input.eventId,
      body,
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
