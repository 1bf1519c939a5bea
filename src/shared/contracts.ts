import { z } from 'zod';
import type { EgressPolicy } from './egress/addressPolicy.js';
import {
  checkOutputLimits,
  jobOutputFactsShape,
  missingOutputSchema,
  OUTPUT_KINDS,
  outputPresetSchema,
  outputSpecListSchema,
} from './outputSpecs.js';
import { checkSourceUrl } from './sourceUrlPolicy.js';

/** Largest body the starter and the callback accept. */
export const MAX_REQUEST_BYTES = 16 * 1024;
export const MAX_EVENT_BYTES = 16 * 1024;

export const EVENT_NAMES = {
  progress: 'JobProgress',
  finished: 'JobFinished',
  /** A playlist job's listing container reports the items it found (playlistListingSchema). */
  listed: 'PlaylistListed',
} as const;
export type JobEventName = (typeof EVENT_NAMES)[keyof typeof EVENT_NAMES];

/** A relative blob path: allowed characters only, no leading "/", no empty, "." or ".." segment. */
export const OUTPUT_NAME = /^(?!\/)(?!.*\/\/)(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9._\-/]{1,200}$/;

/** Most attempts a request may ask for (maxAttempts). */
export const MAX_JOB_ATTEMPTS = 5;

/** Options a client may set on a job; every field is optional and unknown fields are rejected. */
export const jobOptionsShape = {
  maxHeight: z.number().int().min(144).max(4320).optional(),
  maxBytes: z
    .number()
    .int()
    .positive()
    .max(50 * 1024 ** 3)
    .optional(),
  maxDurationSeconds: z
    .number()
    .int()
    .positive()
    .max(24 * 3600)
    .optional(),
  outputName: z
    .string()
    .regex(
      OUTPUT_NAME,
      'use letters, digits, ".", "_", "-" and "/" (no leading "/", no ".." segments), at most 200 characters',
    )
    .optional(),
  idempotencyKey: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .optional(),
  /** What to make (default one MP4); see outputSpecs.ts. */
  outputs: outputSpecListSchema.optional(),
  /** A named output list; not together with `outputs`. */
  preset: outputPresetSchema.optional(),
  /**
   * Runs in all, each in a fresh container group, when an attempt fails with a retryable
   * infrastructure code (default DEFAULT_MAX_ATTEMPTS; 1 never retries).
   */
  maxAttempts: z.number().int().min(1).max(MAX_JOB_ATTEMPTS).optional(),
  /** `false` runs this job without the operator's cookies secret (the proxy still applies). */
  useCookies: z.boolean().optional(),
};

const { idempotencyKey: _idempotencyKey, ...unkeyedOptions } = jobOptionsShape;
/**
 * The job options of a job named by something else than its request (an upload, a blob): an
 * idempotency key would do nothing there, so it is not accepted.
 */
export const unkeyedJobOptionsShape = unkeyedOptions;

type UnkeyedJobOptions = z.infer<z.ZodObject<typeof unkeyedJobOptionsShape>>;

/**
 * The request of a job named by something else than its URL (an upload, a blob): the `source` fields,
 * the unkeyed job options and a notifyUrl, then `more` fields, refined together like a URL job's.
 */
export function unkeyedJobRequestSchema<Source extends z.ZodRawShape, More extends z.ZodRawShape>(
  policy: JobRequestPolicy,
  source: Source,
  more: More,
) {
  return z
    .strictObject({
      ...source,
      ...unkeyedJobOptionsShape,
      notifyUrl: notifyUrlSchema(policy).optional(),
      ...more,
    })
    .superRefine((request, ctx) => refineJobOptions(request as UnkeyedJobOptions, ctx));
}

/** A string that `problemOf` passes (undefined) or refuses with a message; `code` is the refusal's error code. */
export function checkedString(problemOf: (value: string) => string | undefined, code: string) {
  return z.string().superRefine((value, ctx) => {
    const problem = problemOf(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, params: { code } });
  });
}

/** Attempts a job gets when its request sets no maxAttempts. */
export const DEFAULT_MAX_ATTEMPTS = 2;

export type JobRequestPolicy = EgressPolicy;

/** One address mailed the job's final state; z.email's pattern admits no spaces, commas, quotes or angle brackets. */
export const notifyEmailSchema = z.email('must be one e-mail address, e.g. name@example.com').max(254);

/** A URL the source address policy in force accepts; its refusal code becomes the field's error code. */
function policyCheckedUrl(policy: JobRequestPolicy, extra?: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const verdict = checkSourceUrl(value, policy);
    if (!verdict.ok)
      ctx.addIssue({
        code: 'custom',
        message: verdict.message ?? 'invalid URL',
        params: { code: verdict.problem },
      });
    else {
      const problem = extra?.(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }
  });
}

/** A webhook receiver: the same address policy as sources; https unless private addresses are allowed. */
export function notifyUrlSchema(policy: JobRequestPolicy) {
  return policyCheckedUrl(policy, (value) =>
    !policy.allowPrivateSources && !value.startsWith('https://') ? 'must be an https URL' : undefined,
  ).max(2048);
}

/** The rules across job option fields: preset or outputs, and the frame limits. */
export function refineJobOptions(
  request: { outputs?: z.infer<typeof outputSpecListSchema>; preset?: unknown; maxDurationSeconds?: number },
  ctx: z.RefinementCtx,
): void {
  if (request.outputs && request.preset)
    ctx.addIssue({
      code: 'custom',
      message: 'give either "preset" or "outputs", not both',
      path: ['preset'],
      params: { code: 'CONFLICTING_FIELDS' },
    });
  const limit = request.outputs ? checkOutputLimits(request.outputs, request.maxDurationSeconds) : undefined;
  if (limit)
    ctx.addIssue({
      code: 'custom',
      message: limit.message,
      path: limit.path,
      params: { code: 'TOO_MANY_FRAMES' },
    });
}

/** Bounds and defaults of a playlist request (`playlist: { maxItems, concurrency }`). */
export const PLAYLIST_LIMITS = {
  maxItems: { min: 1, max: 200, default: 25 },
  concurrency: { min: 1, max: 8, default: 2 },
} as const;

/** A whole number within `limits`, `limits.default` when absent. */
function boundedInteger(limits: { min: number; max: number; default: number }) {
  return z.number().int().min(limits.min).max(limits.max).default(limits.default);
}

/**
 * Expand the URL as a playlist or channel: list it (at most maxItems entries), then run each item as
 * its own child job with these options, at most `concurrency` at once. Absent means one video only.
 */
export const playlistOptionsSchema = z.strictObject({
  maxItems: boundedInteger(PLAYLIST_LIMITS.maxItems),
  concurrency: boundedInteger(PLAYLIST_LIMITS.concurrency),
});
export type PlaylistOptions = z.infer<typeof playlistOptionsSchema>;

/** JobRequest as a schema bound to the URL policy in force (private sources allowed or not). */
export function jobRequestSchema(policy: JobRequestPolicy) {
  return z
    .strictObject({
      url: policyCheckedUrl(policy),
      ...jobOptionsShape,
      playlist: playlistOptionsSchema.optional(),
      /** Webhook receiver: the same address policy as sources; https unless private addresses are allowed (local). */
      notifyUrl: notifyUrlSchema(policy).optional(),
      notifyEmail: notifyEmailSchema.optional(),
    })
    .superRefine(refineJobOptions);
}
export type JobRequest = z.infer<ReturnType<typeof jobRequestSchema>>;

/** `outputs[2].heights[0]` from a zod path. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

export interface RequestProblem {
  code: string;
  message: string;
  field?: string;
}

/** Validates a parsed JSON value as a JobRequest and turns the first problem into a stable error. */
export function parseJobRequest(
  value: unknown,
  policy: JobRequestPolicy,
): { ok: true; request: JobRequest } | { ok: false; problem: RequestProblem } {
  const result = jobRequestSchema(policy).safeParse(value);
  if (result.success) return { ok: true, request: result.data };
  const issue = result.error.issues[0];
  if (!issue) return { ok: false, problem: { code: 'INVALID_REQUEST', message: 'The request is invalid.' } };
  if (issue.code === 'unrecognized_keys')
    return {
      ok: false,
      problem: {
        code: 'UNKNOWN_FIELD',
        message: `Unknown field(s): ${issue.keys.join(', ')}.`,
        field: issue.keys[0],
      },
    };
  const field = formatFieldPath(issue.path) || undefined;
  if (issue.code === 'invalid_type' && issue.path.length === 0)
    return {
      ok: false,
      problem: { code: 'INVALID_REQUEST', message: 'Expected a JSON object with a "url" field.' },
    };
  const custom = issue.code === 'custom' ? (issue.params as { code?: string } | undefined)?.code : undefined;
  if (field === 'url' && issue.code === 'invalid_type')
    return {
      ok: false,
      problem: { code: 'MISSING_URL', message: 'The "url" field is required and must be a string.', field },
    };
  return {
    ok: false,
    problem: {
      code: custom ?? 'INVALID_FIELD',
      message: field ? `${field}: ${issue.message}` : issue.message,
      field,
    },
  };
}

export const JOB_PHASES = [
  'Queued',
  'Provisioning',
  'Downloading',
  'Processing',
  'Uploading',
  'CleaningUp',
  'Done',
] as const;
export type JobPhase = (typeof JOB_PHASES)[number];

/** Progress reported by the worker (rate-limited there). */
export const jobProgressSchema = z.strictObject({
  phase: z.enum(['Downloading', 'Processing', 'Uploading']),
  percent: z.number().min(0).max(100).optional(),
  bytes: z.number().int().nonnegative().optional(),
  totalBytes: z.number().int().nonnegative().optional(),
  speedBytesPerSecond: z.number().nonnegative().optional(),
  detail: z.string().max(200).optional(),
});
export type JobProgress = z.infer<typeof jobProgressSchema>;

const errorCode = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/);

export const jobErrorSchema = z.strictObject({
  code: errorCode,
  message: z.string().max(2000),
  retryable: z.boolean(),
});
export type JobError = z.infer<typeof jobErrorSchema>;

export const jobOutputSchema = z.strictObject({
  blobName: z.string().min(1).max(1024),
  url: z.string().url(),
  contentType: z.string().max(100),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[a-f0-9]{64}$/),
  ...jobOutputFactsShape,
});
export type JobOutput = z.infer<typeof jobOutputSchema>;

export const mediaFactsSchema = z.strictObject({
  durationSeconds: z.number().nonnegative(),
  width: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
  videoCodec: z.string().max(40),
  audioCodec: z.string().max(40).nullable(),
  bitrate: z.number().nonnegative(),
});
export type MediaFacts = z.infer<typeof mediaFactsSchema>;

/** Milliseconds spent in each phase of the worker. */
export const jobTimingsSchema = z.strictObject({
  downloadMs: z.number().nonnegative().optional(),
  processMs: z.number().nonnegative().optional(),
  uploadMs: z.number().nonnegative().optional(),
  totalMs: z.number().nonnegative().optional(),
});

export const jobSucceededSchema = z
  .strictObject({
    status: z.literal('Succeeded'),
    // Empty only when every output asked for was unavailable (e.g. subtitles of a source without any).
    outputs: z.array(jobOutputSchema).max(20),
    /** Outputs asked for that the source could not give, and why; not failures. */
    missing: z.array(missingOutputSchema).max(OUTPUT_KINDS.length).optional(),
    media: mediaFactsSchema,
    timings: jobTimingsSchema,
    /** Where the media came from: the source URL (redacted) or the uploaded blob (`incoming/…`). */
    source: z
      .strictObject({
        url: z.string().max(2048).optional(),
        blob: z.string().max(2048).optional(),
        title: z.string().max(500).optional(),
      })
      .optional(),
    /** The yt-dlp and ffmpeg versions that ran the job ("unknown" if a tool did not say). */
    tools: z
      .strictObject({ ytDlp: z.string().min(1).max(100), ffmpeg: z.string().min(1).max(100) })
      .optional(),
  })
  .refine((result) => result.outputs.length > 0 || (result.missing?.length ?? 0) > 0, {
    message: 'a success lists at least one output, or says in missing why there is none',
    path: ['outputs'],
  });
export const jobFailedSchema = z.strictObject({
  status: z.literal('Failed'),
  error: jobErrorSchema,
  timings: jobTimingsSchema.optional(),
});
/** JobFinished event payload from the worker, and the orchestration's output on success. */
export const jobResultSchema = z.discriminatedUnion('status', [jobSucceededSchema, jobFailedSchema]);
export type JobResult = z.infer<typeof jobResultSchema>;
export type JobSucceeded = z.infer<typeof jobSucceededSchema>;
export type JobFailed = z.infer<typeof jobFailedSchema>;

/** Longest item URL a playlist listing may carry (longer entries are left out by the worker). */
export const MAX_PLAYLIST_ITEM_URL = 2048;
/** Largest PlaylistListed payload the callback accepts: 200 items of the longest URL and title fit. */
export const MAX_LISTING_EVENT_BYTES = 640 * 1024;

/** One entry of a playlist listing: what the child job downloads, and the key that tells duplicates apart. */
export const playlistItemSchema = z.strictObject({
  url: z.string().url().max(MAX_PLAYLIST_ITEM_URL),
  /** `<extractor> <id>` as in a yt-dlp download archive, when the extractor gave the entry an id. */
  archiveKey: z.string().min(1).max(300).optional(),
  title: z.string().max(500).optional(),
});
export type PlaylistItem = z.infer<typeof playlistItemSchema>;

/** PlaylistListed event payload: the flat listing of a playlist, at most the request's maxItems entries. */
export const playlistListingSchema = z.strictObject({
  title: z.string().max(500).optional(),
  items: z.array(playlistItemSchema).max(PLAYLIST_LIMITS.maxItems.max),
});
export type PlaylistListing = z.infer<typeof playlistListingSchema>;

/** What the orchestration publishes as customStatus while it runs. */
export interface JobCustomStatus {
  phase: JobPhase;
  percent?: number;
  detail?: string;
  /** Present once a job has failed: the same code and message as the orchestration's failure. */
  error?: JobError;
  /** The attempt running (or last run), from the second on; absent means the first. */
  attempt?: number;
  /** A playlist job's counts: items listed, children started, children finished in each final state. */
  playlist?: PlaylistProgress;
  /**
   * When the job's run was created, once its orchestration has continued as new (the backend's
   * createdTime is then the current generation's); the callback token stays bound to this time.
   */
  createdAt?: string;
}

export interface PlaylistProgress {
  items: number;
  started: number;
  succeeded: number;
  failed: number;
  canceled: number;
  /** Entries left out because an earlier entry named the same item. */
  duplicates: number;
}
