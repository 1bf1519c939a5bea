import * as df from 'durable-functions';
import { JOB_ORCHESTRATOR_NAME, jobOrchestrator } from '../orchestrations/jobOrchestrator.js';

df.app.orchestration(JOB_ORCHESTRATOR_NAME, jobOrchestrator);
