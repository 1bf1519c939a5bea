/**
 * Stable error codes a user sees in a failed job's status. Terminal codes are the user's input or
 * the source's fault; retryable ones may succeed if the same job is submitted again later.
 */
export const JOB_ERROR_CODES = {
  BAD_CONFIG: {
    retryable: false,
    description: 'The worker was started with invalid or missing configuration.',
  },
  NOT_FOUND: { retryable: false, description: 'The source URL answered 404 or 410.' },
  UNSUPPORTED_URL: { retryable: false, description: 'No media could be found at the source URL.' },
  NETWORK: { retryable: true, description: 'The source could not be reached or stopped answering.' },
  DOWNLOAD_FAILED: { retryable: true, description: 'The download failed for another reason.' },
  TOO_LARGE: { retryable: false, description: 'The media is larger than maxBytes.' },
  TOO_LONG: { retryable: false, description: 'The media is longer than maxDurationSeconds.' },
  TRANSCODE_FAILED: { retryable: false, description: 'The media could not be converted to H.264/AAC MP4.' },
  UPLOAD_FAILED: { retryable: true, description: 'The result could not be written to Blob Storage.' },
  CANCELLED: { retryable: true, description: 'The container was stopped before the job finished.' },
  TIMEOUT: { retryable: true, description: 'The job did not finish before its deadline.' },
  CONTAINER_EXITED: { retryable: true, description: 'The container exited without reporting a result.' },
  CONTAINER_CREATE_FAILED: { retryable: true, description: 'The container group could not be created.' },
  QUOTA_EXCEEDED: {
    retryable: true,
    description: 'The container quota stayed full for longer than the wait allowed.',
  },
  INVALID_INPUT: {
    retryable: false,
    description:
      'The orchestration was started with an input the job request rules refuse; nothing was created.',
  },
  OUTPUT_OUTSIDE_JOB: {
    retryable: false,
    description: "The worker's report named an output outside the job's own blob prefix or media endpoint.",
  },
  OUTPUT_EXISTS: {
    retryable: false,
    description:
      'A blob already exists under the output name; outputs are written create-only and nothing was overwritten.',
  },
  INTERNAL: { retryable: true, description: 'An unexpected error; see the logs.' },
} as const satisfies Record<string, { retryable: boolean; description: string }>;

export type KnownJobErrorCode = keyof typeof JOB_ERROR_CODES;

/** Job-level failures also carry Azure's own code where that is more precise (e.g. InaccessibleImage). */
export type JobErrorCode = KnownJobErrorCode | (string & {});
