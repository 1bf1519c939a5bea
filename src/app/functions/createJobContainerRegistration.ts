import * as df from 'durable-functions';
import { createJobContainer, type CreateJobContainerInput } from '../activities/createJobContainer.js';
import { appAciDependencies } from '../aci/appAciDependencies.js';
import { callbackTokenFor } from '../callback/callbackToken.js';
import { getConfig } from '../config.js';
import { JOB_ACTIVITIES } from '../orchestrations/jobActivityNames.js';

df.app.activity(JOB_ACTIVITIES.createJobContainer, {
  handler: (input: CreateJobContainerInput) => {
    const config = getConfig();
    if (!config.callbackBaseUrl)
      return Promise.resolve({
        ok: false as const,
        kind: 'terminal' as const,
        code: 'BAD_CONFIG',
        message:
          'Set CALLBACK_BASE_URL (or run where WEBSITE_HOSTNAME is set) so the worker can report back.',
      });
    return createJobContainer(input, {
      ...appAciDependencies(),
      settings: { ...config, callbackBaseUrl: config.callbackBaseUrl },
      callbackTokenFor,
    });
  },
});
