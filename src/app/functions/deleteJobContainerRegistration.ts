import * as df from 'durable-functions';
import { deleteJobContainer } from '../activities/deleteJobContainer.js';
import { appAciDependencies } from '../aci/appAciDependencies.js';
import { JOB_ACTIVITIES } from '../orchestrations/jobActivityNames.js';

df.app.activity(JOB_ACTIVITIES.deleteJobContainer, {
  handler: (input: { instanceId: string }) => deleteJobContainer(input, appAciDependencies()),
});
