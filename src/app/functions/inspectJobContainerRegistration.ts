import * as df from 'durable-functions';
import { inspectJobContainer } from '../activities/inspectJobContainer.js';
import { appAciDependencies } from '../aci/appAciDependencies.js';
import { JOB_ACTIVITIES } from '../orchestrations/jobActivityNames.js';

df.app.activity(JOB_ACTIVITIES.inspectJobContainer, {
  handler: (input: { instanceId: string }) => inspectJobContainer(input, appAciDependencies()),
});
