import * as df from 'durable-functions';
import { registerActivities } from '../durable/typedActivities.js';
import { FUNCTION_NAMES } from '../functionNames.js';
import { jobActivities } from '../orchestrations/jobActivities.js';
import { jobOrchestrator } from '../orchestrations/jobOrchestrator.js';

// The job orchestration and every activity it calls.
df.app.orchestration(FUNCTION_NAMES.jobOrchestrator, jobOrchestrator);
registerActivities(jobActivities);
