import * as df from 'durable-functions';
import { stopJobContainer } from '../activities/stopJobContainer.js';
import { appAciDependencies } from '../aci/appAciDependencies.js';
import { JOB_ACTIVITIES } from '../orchestrations/jobActivityNames.js';

df.app.activity(JOB_ACTIVITIES.stopJobContainer, {
  handler: (input: { instanceId: string }) => stopJobContainer(input, appAciDependencies()),
});
