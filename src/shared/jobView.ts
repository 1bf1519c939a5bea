import { z } from 'zod';
import { JOB_PHASES, jobErrorSchema, jobOutputSchema, mediaFactsSchema } from './contracts.js';

/** A job's lifecycle as the jobs API and webhooks show it (not the Durable runtime status). */
export const JOB_STATUSES = ['Queued', 'Running', 'Succeeded', 'Failed', 'Canceled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const FINAL_JOB_STATUSES: readonly JobStatus[] = ['Succeeded', 'Failed', 'Canceled'];

/** An output as the job view lists it: the result's facts plus a short-lived read link. */
export const jobOutputViewSchema = jobOutputSchema.extend({
  readUrl: z.string().url(),
  readUrlExpiresAt: z.iso.datetime(),
});
export type JobOutputView = z.infer<typeof jobOutputViewSchema>;

/** One notification channel's delivery state for one event. */
export const jobNotificationSchema = z.strictObject({
  type: z.enum(['job.succeeded', 'job.failed', 'job.canceled']),
  channel: z.enum(['webhook', 'email']),
  attempts: z.number().int().nonnegative(),
  lastStatus: z.number().int().nullable(),
  delivered: z.boolean(),
});
export type JobNotification = z.infer<typeof jobNotificationSchema>;

/** One item of a playlist job: the child job that runs it, and how it ended (or where it is). */
export const playlistChildSchema = z.strictObject({
  id: z.string(),
  /** The item's URL, as listed (query string and fragment redacted in views); absent for an item of a running playlist not started yet. */
  url: z.string().optional(),
  title: z.string().optional(),
  status: z.enum(JOB_STATUSES),
  /** A succeeded child's outputs (open GET /api/jobs/{id} of the child for read links). */
  outputs: z.array(jobOutputSchema).optional(),
  error: jobErrorSchema.optional(),
});
export type PlaylistChild = z.infer<typeof playlistChildSchema>;

/** An entry the playlist's download archive left out: it names an item an earlier entry already fetches. */
export const playlistDuplicateSchema = z.strictObject({
  url: z.string(),
  archiveKey: z.string().optional(),
  /** The child job that fetches the item. */
  sameAs: z.string(),
});

/**
 * A playlist job's output: every child with its status and outputs. The playlist job succeeds when
 * at least one item did, fails (PLAYLIST_FAILED) when none did, and is Canceled when canceled.
 */
export const playlistSummarySchema = z.strictObject({
  kind: z.literal('playlist'),
  status: z.enum(['Succeeded', 'Failed', 'Canceled']),
  title: z.string().optional(),
  /** Entries the listing gave (at most maxItems), duplicates included. */
  listed: z.number().int().nonnegative(),
  children: z.array(playlistChildSchema),
  duplicates: z.array(playlistDuplicateSchema),
  error: jobErrorSchema.optional(),
});
export type PlaylistSummary = z.infer<typeof playlistSummarySchema>;

/** GET /api/jobs/{id}, the items of GET /api/jobs, and the `data` of every webhook event. */
export const jobViewSchema = z.strictObject({
  id: z.string(),
  status: z.enum(JOB_STATUSES),
  phase: z.enum(JOB_PHASES),
  percent: z.number().min(0).max(100).nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** The job's options as submitted, the source URL's query string and fragment redacted. */
  request: z.record(z.string(), z.unknown()),
  source: z.strictObject({
    url: z.string().optional(),
    blob: z.string().optional(),
    title: z.string().optional(),
  }),
  attempts: z.number().int().nonnegative(),
  outputs: z.array(jobOutputViewSchema),
  media: mediaFactsSchema.nullable(),
  error: jobErrorSchema.nullable(),
  notifications: z.array(jobNotificationSchema),
  /** A playlist item's job: the playlist job it belongs to. */
  parentId: z.string().optional(),
  /** A playlist job: its items' child jobs, in listing order (those not started yet are Queued). */
  children: z.array(playlistChildSchema).optional(),
  /** A playlist job: its title, how many entries were listed, and the duplicates left out. */
  playlist: z
    .strictObject({
      title: z.string().optional(),
      listed: z.number().int().nonnegative(),
      duplicates: z.array(playlistDuplicateSchema),
    })
    .optional(),
  /** Served by the app itself; never a Durable runtime URL. */
  statusQueryGetUri: z.string().url(),
});
export type JobView = z.infer<typeof jobViewSchema>;

/** The body of a webhook POST (Standard Webhooks envelope). */
export const jobEventSchema = z.strictObject({
  type: z.enum(['job.succeeded', 'job.failed', 'job.canceled']),
  timestamp: z.iso.datetime(),
  data: jobViewSchema,
});
export type JobEvent = z.infer<typeof jobEventSchema>;

/** GET /api/jobs: one page of job views. */
export const jobListSchema = z.strictObject({
  jobs: z.array(jobViewSchema),
  /** Pass back as `continuationToken` for the next page; null on the last page. */
  continuationToken: z.string().nullable(),
});
export type JobList = z.infer<typeof jobListSchema>;

/** The body of every error answer of the app's HTTP API; never a stack trace. */
export const apiErrorSchema = z.object({
  error: z.looseObject({
    code: z.string(),
    message: z.string(),
    /** The request field at fault, when one is. */
    field: z.string().optional(),
    /** Whether sending the same request again later could succeed. */
    retryable: z.boolean(),
  }),
});
export type ApiError = z.infer<typeof apiErrorSchema>;

/** The starter's 202: the original sample's check-status shape, every URL served by the app. */
export const startAnswerSchema = z.strictObject({
  id: z.string(),
  statusQueryGetUri: z.string().url(),
});

/** GET /api/jobs/{id}/status: the Durable check-status body, served by the app, without the input. */
export const jobStatusBodySchema = z.strictObject({
  name: z.string(),
  instanceId: z.string(),
  runtimeStatus: z.enum(['Pending', 'Running', 'Completed', 'Failed', 'Terminated', 'Canceled', 'Suspended']),
  customStatus: z.unknown(),
  output: z.unknown(),
  createdTime: z.iso.datetime(),
  lastUpdatedTime: z.iso.datetime(),
});

/** The callback's 202 once the worker's event has been raised on the orchestration. */
export const callbackAcceptedSchema = z.strictObject({
  instanceId: z.string(),
  eventName: z.string(),
  accepted: z.literal(true),
});
