import type { JobSettings } from '../../../src/app/activities/loadJobSettings.js';
import type { JobSucceeded } from '../../../src/shared/contracts.js';

/** The limits the orchestrator replay tests run a job under, as loadJobSettings returns them. */
export const JOB_SETTINGS: JobSettings = {
  aciPriority: 'Regular',
  jobDeadlineMinutes: 60,
  livenessPollSeconds: 30,
  quotaWaitMinutes: 30,
  keepFailedGroups: false,
  allowPrivateSources: false,
  mediaBlobEndpoint: 'https://acct.blob.core.windows.net',
  mediaContainer: 'media',
};

/** A worker's success report with one MP4 at `blobName` on the settings' media endpoint. */
export function succeededWith(
  blobName: string,
  url = `${JOB_SETTINGS.mediaBlobEndpoint}/media/${blobName}`,
): JobSucceeded {
  return {
    status: 'Succeeded',
    outputs: [{ blobName, url, contentType: 'video/mp4', bytes: 1, sha256: 'a'.repeat(64) }],
    media: { durationSeconds: 1, width: 2, height: 2, videoCodec: 'h264', audioCodec: null, bitrate: 1 },
    timings: {},
  };
}
