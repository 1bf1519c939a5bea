import * as df from 'durable-functions';
import { registerActivities } from '../durable/typedActivities.js';
import { FUNCTION_NAMES } from '../functionNames.js';
import { playlistActivities } from '../orchestrations/playlistActivities.js';
import { playlistOrchestrator } from '../orchestrations/playlistOrchestrator.js';

// The playlist orchestration and its own activity; the listing container uses the job activities.
df.app.orchestration(FUNCTION_NAMES.playlistOrchestrator, playlistOrchestrator);
registerActivities(playlistActivities);
