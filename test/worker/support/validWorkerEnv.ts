import { loadWorkerSettings } from '../../../src/worker/loadWorkerSettings.js';

/** A complete, valid worker environment for a job `abc` (settings tests override single variables). */
export const VALID_WORKER_ENV = {
  MF_INSTANCE_ID: 'abc',
  MF_SOURCE_URL: 'https://cdn.example/v.mp4',
  MF_MAX_BYTES: '1000',
  MF_MAX_DURATION_SECONDS: '60',
  MF_OUTPUT_BLOB_NAME: 'abc/abc.mp4',
  MF_MEDIA_CONTAINER: 'media',
  MF_MEDIA_BLOB_ENDPOINT: 'https://account.blob.core.windows.net',
  MF_CALLBACK_URL: 'https://app.example/api/jobs/abc/events',
  MF_CALLBACK_TOKEN: 'x'.repeat(32),
};

/** The worker's settings from VALID_WORKER_ENV with `overrides` on top (undefined leaves a variable unset). */
export function settingsWith(overrides: Record<string, string | undefined>) {
  return loadWorkerSettings({ ...VALID_WORKER_ENV, ...overrides });
}
