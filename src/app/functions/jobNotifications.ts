import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { getConfig } from '../config.js';
import { FUNCTION_NAMES } from '../functionNames.js';
import { appMediaReadLinks } from '../jobs/MediaReadLinks.js';
import type { StartJobNotificationsInput } from '../notify/finalJobEvent.js';
import { jobNotificationOrchestrator } from '../notify/jobNotificationOrchestrator.js';
import { jobNotifications } from '../notify/notificationLog.js';
import {
  deliverJobWebhook,
  startJobNotifications,
  type DeliverJobWebhookInput,
} from '../notify/notificationActivities.js';
import { webhookSigningSecret } from '../notify/webhookSigningSecret.js';

// Notifications of a job's final state: started by the job, delivered by their own instance.
df.app.orchestration(FUNCTION_NAMES.jobNotificationOrchestrator, jobNotificationOrchestrator);
df.app.activity(FUNCTION_NAMES.deliverJobWebhook, {
  extraInputs: [df.input.durableClient()],
  handler: (input: DeliverJobWebhookInput, context: InvocationContext) => {
    const config = getConfig();
    const links = appMediaReadLinks(config);
    return deliverJobWebhook(input, {
      client: df.getClient(context),
      readLink: (blobName) => links.readLink(blobName),
      notifications: (jobId) => jobNotifications(jobId),
      appBaseUrl: config.callbackBaseUrl ?? 'http://localhost',
      webhook: { secret: webhookSigningSecret, allowPrivateSources: config.allowPrivateSources },
    });
  },
});
df.app.activity(FUNCTION_NAMES.startJobNotifications, {
  extraInputs: [df.input.durableClient()],
  handler: (input: StartJobNotificationsInput, context: InvocationContext) =>
    startJobNotifications(input, df.getClient(context)),
});
