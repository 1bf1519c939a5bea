/** The error codes one route can answer, by HTTP status: the `error.code` values a client can branch on. */
export type RouteErrors = Readonly<Record<number, readonly string[]>>;

const SERVER_ERRORS = { 500: ['BAD_CONFIG', 'INTERNAL'] } as const;

/** What a job request body can be refused for, on both ways of submitting one. */
const REQUEST_ERRORS = {
  400: [
    'EMPTY_BODY',
    'INVALID_JSON',
    'INVALID_ENCODING',
    'INVALID_REQUEST',
    'MISSING_URL',
    'INVALID_URL',
    'UNSUPPORTED_SCHEME',
    'URL_HAS_CREDENTIALS',
    'URL_TOO_LONG',
    'URL_HAS_FRAGMENT',
    'MULTI_LINE_BODY',
    'PRIVATE_ADDRESS',
    'SOURCE_ADDRESS_BLOCKED',
    'ABOVE_LIMIT',
    'UNKNOWN_FIELD',
    'INVALID_FIELD',
    'UNKNOWN_OUTPUT_KIND',
    'DUPLICATE_OUTPUT_KIND',
    'CONFLICTING_FIELDS',
    'TOO_MANY_FRAMES',
    'INVALID_IDEMPOTENCY_KEY',
    'IDEMPOTENCY_KEY_MISMATCH',
    'EMAIL_NOT_CONFIGURED',
  ],
  409: ['IDEMPOTENCY_KEY_REUSED'],
  413: ['REQUEST_TOO_LARGE'],
  415: ['UNSUPPORTED_MEDIA_TYPE'],
  ...SERVER_ERRORS,
} as const;

const ONE_JOB_ERRORS = {
  400: ['INVALID_JOB_ID'],
  404: ['JOB_NOT_FOUND'],
  405: ['METHOD_NOT_ALLOWED'],
  ...SERVER_ERRORS,
} as const;

/**
 * Every route's error answers, as the handlers raise them (HttpError codes) and docs/api.md lists
 * them; the OpenAPI document publishes them per operation, and a test holds the three together.
 */
export const ROUTE_ERRORS = {
  starter: REQUEST_ERRORS,
  submitJob: { ...REQUEST_ERRORS, 405: ['METHOD_NOT_ALLOWED'] },
  listJobs: {
    400: ['INVALID_FILTER', 'UNKNOWN_PARAMETER', 'INVALID_CONTINUATION_TOKEN'],
    405: ['METHOD_NOT_ALLOWED'],
    ...SERVER_ERRORS,
  },
  getJob: ONE_JOB_ERRORS,
  jobStatus: ONE_JOB_ERRORS,
  cancelJob: { ...ONE_JOB_ERRORS, 409: ['JOB_FINISHED'], 503: ['CANCEL_NOT_RECORDED'] },
  callback: {
    400: ['INVALID_JSON', 'INVALID_ENCODING', 'INVALID_PAYLOAD'],
    401: ['UNAUTHORIZED'],
    404: ['UNKNOWN_EVENT', 'INSTANCE_NOT_FOUND'],
    410: ['JOB_FINISHED'],
    413: ['REQUEST_TOO_LARGE'],
    415: ['UNSUPPORTED_MEDIA_TYPE'],
    503: ['SIGNING_KEY_UNAVAILABLE'],
    ...SERVER_ERRORS,
  },
  createUpload: {
    400: [
      'EMPTY_BODY',
      'INVALID_JSON',
      'INVALID_ENCODING',
      'INVALID_REQUEST',
      'UNKNOWN_FIELD',
      'INVALID_FIELD',
      'INVALID_FILENAME',
      'UNSUPPORTED_CONTENT_TYPE',
      'ABOVE_LIMIT',
      'UNKNOWN_OUTPUT_KIND',
      'DUPLICATE_OUTPUT_KIND',
      'CONFLICTING_FIELDS',
      'TOO_MANY_FRAMES',
      'PRIVATE_ADDRESS',
      'SOURCE_ADDRESS_BLOCKED',
    ],
    405: ['METHOD_NOT_ALLOWED'],
    413: ['TOO_LARGE', 'REQUEST_TOO_LARGE'],
    415: ['UNSUPPORTED_MEDIA_TYPE'],
    ...SERVER_ERRORS,
  },
  openApi: { 405: ['METHOD_NOT_ALLOWED'], ...SERVER_ERRORS },
  /** What the pages' API (/api/web/…) adds to the route it mirrors: reads need a user, writes the page's header. */
  webRead: { 401: ['SIGN_IN_REQUIRED', 'INVALID_PRINCIPAL'] },
  webWrite: { 401: ['SIGN_IN_REQUIRED', 'INVALID_PRINCIPAL'], 403: ['CSRF_REJECTED'] },
} as const satisfies Record<string, RouteErrors>;
