import * as df from 'durable-functions';
import { loadJobSettings } from '../activities/loadJobSettings.js';
import { JOB_ACTIVITIES } from '../orchestrations/jobActivityNames.js';

df.app.activity(JOB_ACTIVITIES.loadJobSettings, { handler: () => loadJobSettings() });
