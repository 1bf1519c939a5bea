import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { AzureCliCredential, ManagedIdentityCredential } from '@azure/identity';
import { getConfig, type AppConfig } from '../config.js';
import { ConfigError } from '../errors/ConfigError.js';
import { FUNCTION_NAMES } from '../functionNames.js';
import { appMediaReadLinks } from '../jobs/MediaReadLinks.js';
import { acsEmailSender, type SendEmail } from '../notify/acsEmailSender.js';
import type { FinalJobEventDependencies, StartJobNotificationsInput } from '../notify/finalJobEvent.js';
import { jobNotificationOrchestrator } from '../notify/jobNotificationOrchestrator.js';
import { jobNotifications } from '../notify/notificationLog.js';
import {
  deliverJobWebhook,
  sendJobEmail,
  startJobNotifications,
  type DeliverJobWebhookInput,
  type SendJobEmailInput,
} from '../notify/notificationActivities.js';
import { webhookSigningSecret } from '../notify/webhookSigningSecret.js';

/** What both channels need to build the final job view. */
function viewDependencies(config: AppConfig, context: InvocationContext): FinalJobEventDependencies {
  const links = appMediaReadLinks(config);
  return {
    client: df.getClient(context),
    readLink: (blobName) => links.readLink(blobName),
    notifications: (jobId) => jobNotifications(jobId),
    appBaseUrl: config.callbackBaseUrl ?? 'http://localhost',
  };
}

let emailSender: SendEmail | undefined;
function appEmailSender(config: AppConfig): SendEmail {
  if (!config.email)
    throw new ConfigError([{ setting: 'ACS_ENDPOINT', message: 'is not set, so no mail can be sent' }]);
  const credential =
    config.appCredential === 'azurecli'
      ? new AzureCliCredential()
      : config.appIdentityClientId
        ? new ManagedIdentityCredential({ clientId: config.appIdentityClientId })
        : new ManagedIdentityCredential();
  emailSender ??= acsEmailSender(config.email.acsEndpoint, credential);
  return emailSender;
}

/** A channel's delivery attempt as an activity, given what it needs to build the final job view. */
function notificationActivity<I>(
  name: string,
  attempt: (input: I, view: FinalJobEventDependencies, config: AppConfig) => Promise<unknown>,
): void {
  df.app.activity(name, {
    extraInputs: [df.input.durableClient()],
    handler: (input: I, context: InvocationContext) => {
      const config = getConfig();
      return attempt(input, viewDependencies(config, context), config);
    },
  });
}

// Notifications of a job's final state: started by the job, delivered by their own instances.
df.app.orchestration(FUNCTION_NAMES.jobNotificationOrchestrator, jobNotificationOrchestrator);
notificationActivity(FUNCTION_NAMES.deliverJobWebhook, (input: DeliverJobWebhookInput, view, config) =>
  deliverJobWebhook(input, {
    ...view,
    webhook: { secret: webhookSigningSecret, allowPrivateSources: config.allowPrivateSources },
  }),
);
notificationActivity(FUNCTION_NAMES.sendJobEmail, (input: SendJobEmailInput, view, config) =>
  sendJobEmail(input, {
    ...view,
    sendEmail: appEmailSender(config),
    senderAddress: config.email?.senderAddress ?? '',
  }),
);
df.app.activity(FUNCTION_NAMES.startJobNotifications, {
  extraInputs: [df.input.durableClient()],
  handler: (input: StartJobNotificationsInput, context: InvocationContext) =>
    startJobNotifications(input, df.getClient(context)),
});
