import { z } from 'zod';

/**
 * The worker is configured only through these environment variables, which the container group
 * spec builder sets. One schema for both sides, so the two cannot drift apart.
 */
export const WORKER_ENV = {
  instanceId: 'MF_INSTANCE_ID',
  sourceUrl: 'MF_SOURCE_URL',
  maxHeight: 'MF_MAX_HEIGHT',
  maxBytes: 'MF_MAX_BYTES',
  maxDurationSeconds: 'MF_MAX_DURATION_SECONDS',
  outputBlobName: 'MF_OUTPUT_BLOB_NAME',
  mediaBlobEndpoint: 'MF_MEDIA_BLOB_ENDPOINT',
  mediaContainer: 'MF_MEDIA_CONTAINER',
  identityClientId: 'MF_IDENTITY_CLIENT_ID',
  /** secureValue: the job's own callback base, `.../api/jobs/{instanceId}/events`. */
  callbackUrl: 'MF_CALLBACK_URL',
  /** secureValue: the per-job token, sent as `Authorization: Bearer <token>`. */
  callbackToken: 'MF_CALLBACK_TOKEN',
  /** secureValue, development only: a storage connection string used instead of the identity. */
  storageConnectionString: 'MF_STORAGE_CONNECTION_STRING',
  /** `true` only where the app accepts loopback/private sources (local development). */
  allowPrivateSources: 'MF_ALLOW_PRIVATE_SOURCES',
  /** Optional tuning, seconds. */
  progressIntervalSeconds: 'MF_PROGRESS_INTERVAL_SECONDS',
  reportDeadlineSeconds: 'MF_REPORT_DEADLINE_SECONDS',
} as const;

/** Variables that must reach the container as `secureValue`, never as plain `value`. */
export const SECURE_WORKER_ENV: readonly string[] = [
  WORKER_ENV.callbackUrl,
  WORKER_ENV.callbackToken,
  WORKER_ENV.storageConnectionString,
];

const int = z.coerce.number().int().positive();

export const workerSettingsSchema = z.object({
  instanceId: z.string().min(1).max(100),
  sourceUrl: z.string().url(),
  maxHeight: int.optional(),
  maxBytes: int,
  maxDurationSeconds: int,
  outputBlobName: z.string().min(1).max(1024),
  mediaBlobEndpoint: z.string().url().optional(),
  mediaContainer: z.string().min(3).max(63),
  identityClientId: z.string().min(1).optional(),
  callbackUrl: z.string().url(),
  callbackToken: z.string().min(16),
  storageConnectionString: z.string().min(1).optional(),
  allowPrivateSources: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  progressIntervalSeconds: z.coerce.number().positive().default(3),
  reportDeadlineSeconds: z.coerce.number().positive().default(600),
});
export type WorkerSettings = z.infer<typeof workerSettingsSchema>;

/** Flat env map → typed settings input (empty strings count as unset). */
export function readWorkerEnvironment(
  env: NodeJS.ProcessEnv,
): Record<keyof typeof WORKER_ENV, string | undefined> {
  const out = {} as Record<keyof typeof WORKER_ENV, string | undefined>;
  for (const [key, name] of Object.entries(WORKER_ENV) as [keyof typeof WORKER_ENV, string][]) {
    const value = env[name];
    out[key] = value === undefined || value === '' ? undefined : value;
  }
  return out;
}
