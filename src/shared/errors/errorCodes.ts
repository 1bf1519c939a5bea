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
  SOURCE_BLOB_NOT_FOUND: {
    retryable: false,
    description: 'The uploaded blob the job was started for no longer exists in the incoming container.',
  },
  NOT_MEDIA: {
    retryable: false,
    description: 'The uploaded file is not audio or video that ffprobe can read; nothing was written.',
  },
  UNSUPPORTED_URL: {
    retryable: false,
    description: 'No media could be found at the source URL (a newer worker image may support the site).',
  },
  NETWORK: { retryable: true, description: 'The source could not be reached or stopped answering.' },
  SOURCE_ADDRESS_BLOCKED: {
    retryable: false,
    description:
      'The source URL, or an address it led to (redirect, manifest, segment, embedded media), is refused by the egress policy.',
  },
  SOURCE_SIGN_IN_REQUIRED: {
    retryable: false,
    description:
      'The source asks to sign in or to confirm it is not a bot (common for data-centre addresses); needs cookies of a signed-in account or a proxy.',
  },
  SOURCE_FORBIDDEN: {
    retryable: false,
    description:
      'The source answered HTTP 403 for the media; usually an outdated yt-dlp (use a newer worker image), else cookies or a proxy.',
  },
  SOURCE_GEO_BLOCKED: {
    retryable: false,
    description:
      "The source does not offer the media in the worker's country; needs a proxy in a country where it is.",
  },
  SOURCE_ACCESS_RESTRICTED: {
    retryable: false,
    description:
      'The media is private, members-only or age-restricted; needs cookies of an account that may watch it.',
  },
  SOURCE_UNAVAILABLE: {
    retryable: false,
    description: 'The source says the media was removed or is unavailable.',
  },
  SOURCE_RATE_LIMITED: {
    retryable: true,
    description:
      'The source is limiting requests (HTTP 429 or its own rate limit); submit again later, with backoff.',
  },
  SOURCE_SECRETS_UNAVAILABLE: {
    retryable: true,
    description:
      'The worker could not read the source secrets (cookies file, proxy URL) from Key Vault; not retryable when its identity may not read them.',
  },
  SOURCE_SECRETS_INVALID: {
    retryable: false,
    description:
      'A source secret is set but unusable: the cookies secret is not a Netscape cookies file, or the proxy secret is not an http(s) proxy URL.',
  },
  DOWNLOAD_FAILED: { retryable: true, description: 'The download failed for another reason.' },
  TOO_LARGE: { retryable: false, description: 'The media is larger than maxBytes.' },
  TOO_LONG: { retryable: false, description: 'The media is longer than maxDurationSeconds.' },
  TRANSCODE_FAILED: { retryable: false, description: 'The media could not be converted to H.264/AAC MP4.' },
  NO_AUDIO: { retryable: false, description: 'An audio output was asked for but the source has no audio.' },
  TOO_MANY_FRAMES: {
    retryable: false,
    description: 'The frames asked for over the media duration are more than the bound allows.',
  },
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
  PLAYLIST_FAILED: {
    retryable: false,
    description: "None of the playlist's items succeeded; each child job's error says why.",
  },
  INTERNAL: { retryable: true, description: 'An unexpected error; see the logs.' },
} as const satisfies Record<string, { retryable: boolean; description: string }>;

export type KnownJobErrorCode = keyof typeof JOB_ERROR_CODES;

/** Job-level failures also carry Azure's own code where that is more precise (e.g. InaccessibleImage). */
export type JobErrorCode = KnownJobErrorCode | (string & {});
