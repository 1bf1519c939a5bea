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
