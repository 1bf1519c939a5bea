import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { getConfig } from '../config.js';
import { FUNCTION_NAMES } from '../functionNames.js';
import type { StartJobNotificationsInput } from '../notify/finalJobEvent.js';
import { jobNotificationOrchestrator } from '../notify/jobNotificationOrchestrator.js';
import { deliverJobWebhook, startJobNotifications } from '../notify/notificationActivities.js';

// Notifications of a job's final state: started by the job, delivered by their own instance.
df.app.orchestration(FUNCTION_NAMES.jobNotificationOrchestrator, jobNotificationOrchestrator);
df.app.activity(FUNCTION_NAMES.deliverJobWebhook, { handler: deliverJobWebhook });
df.app.activity(FUNCTION_NAMES.startJobNotifications, {
  extraInputs: [df.input.durableClient()],
  handler: (input: StartJobNotificationsInput, context: InvocationContext) =>
    startJobNotifications(
      { ...input, statusBaseUrl: getConfig().callbackBaseUrl ?? 'http://localhost' },
      df.getClient(context),
    ),
});
