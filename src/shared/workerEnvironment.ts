import { z } from 'zod';
import { parseAllowedPrivateSources } from './egress/addressPolicy.js';
import { PLAYLIST_LIMITS } from './contracts.js';
import { DEFAULT_OUTPUTS, outputSpecListSchema } from './outputSpecs.js';

/**
 * The worker is configured only through these environment variables, which the container group
 * spec builder sets. One schema for both sides, so the two cannot drift apart.
 */
export const WORKER_ENV = {
  instanceId: 'MF_INSTANCE_ID',
  sourceUrl: 'MF_SOURCE_URL',
  /** Instead of MF_SOURCE_URL: `incoming/<blob name>` in the media account, read with the identity. */
  sourceBlob: 'MF_SOURCE_BLOB',
  maxHeight: 'MF_MAX_HEIGHT',
  maxBytes: 'MF_MAX_BYTES',
  maxDurationSeconds: 'MF_MAX_DURATION_SECONDS',
  outputBlobName: 'MF_OUTPUT_BLOB_NAME',
  /** JSON list of output specs; unset means today's single MP4. */
  outputs: 'MF_OUTPUTS',
  mediaBlobEndpoint: 'MF_MEDIA_BLOB_ENDPOINT',
  mediaContainer: 'MF_MEDIA_CONTAINER',
  identityClientId: 'MF_IDENTITY_CLIENT_ID',
  /** secureValue: the job's own callback base, `.../api/jobs/{instanceId}/events`. */
  callbackUrl: 'MF_CALLBACK_URL',
  /** secureValue: the per-job token, sent as `Authorization: Bearer <token>`. */
  callbackToken: 'MF_CALLBACK_TOKEN',
  /** secureValue, development only: a storage connection string used instead of the identity. */
  storageConnectionString: 'MF_STORAGE_CONNECTION_STRING',
  /** Egress policy: `true` lets the worker reach loopback and private networks (local development). */
  allowPrivateSources: 'MF_ALLOW_PRIVATE_SOURCES',
  /** Egress policy: `host:port` entries reachable although private (ALLOWED_PRIVATE_SOURCES). */
  allowedPrivateSources: 'MF_ALLOWED_PRIVATE_SOURCES',
  /**
   * Plain value (a URI is no secret): the Key Vault the worker reads SOURCE_SECRET_NAMES from with its
   * own identity. Unset means no cookies and no proxy.
   */
  sourceSecretsVaultUri: 'MF_SOURCE_SECRETS_VAULT_URI',
  /** `false` when the job opted out of the cookies secret (`useCookies: false`). */
  useCookies: 'MF_USE_COOKIES',
  /** Set for a playlist job's listing run: list at most this many entries and report them, download nothing. */
  playlistMaxItems: 'MF_PLAYLIST_MAX_ITEMS',
  /** Optional tuning, seconds. */
  progressIntervalSeconds: 'MF_PROGRESS_INTERVAL_SECONDS',
  reportDeadlineSeconds: 'MF_REPORT_DEADLINE_SECONDS',
} as const;

/** The Key Vault secrets the worker reads; both optional, set by the operator (docs/deployment.md). */
export const SOURCE_SECRET_NAMES = {
  /** A Netscape-format cookies file, passed to yt-dlp with --cookies. */
  cookies: 'source-cookies',
  /** An http(s) proxy URL (may carry user:password) that source connections go through. */
  proxyUrl: 'source-proxy-url',
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
  sourceUrl: z.string().url().optional(),
  sourceBlob: z.string().min(1).max(2048).optional(),
  maxHeight: int.optional(),
  maxBytes: int,
  maxDurationSeconds: int,
  outputBlobName: z.string().min(1).max(1024),
  outputs: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return [...DEFAULT_OUTPUTS];
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(outputSpecListSchema),
  mediaBlobEndpoint: z.string().url().optional(),
  mediaContainer: z.string().min(3).max(63),
  identityClientId: z.string().min(1).optional(),
  callbackUrl: z.string().url(),
  callbackToken: z.string().min(16),
  storageConnectionString: z.string().min(1).optional(),
  // Unset means refused: a worker started without its policy fails closed.
  allowPrivateSources: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  allowedPrivateSources: z
    .string()
    .default('')
    .transform((text, ctx) => {
      try {
        return parseAllowedPrivateSources(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  sourceSecretsVaultUri: z
    .string()
    .url()
    .refine((u) => u.startsWith('https://'), 'expected an https URL')
    .optional(),
  useCookies: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  playlistMaxItems: z.coerce.number().int().min(1).max(PLAYLIST_LIMITS.maxItems.max).optional(),
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
