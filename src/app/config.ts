import { z } from 'zod';
import { ConfigError } from './errors/ConfigError.js';
import { parseAllowedPrivateSources } from '../shared/egress/addressPolicy.js';
import { APP_SETTINGS } from './appSettings.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const positiveInt = z.coerce
  .number({ message: 'expected a number' })
  .int('expected a whole number')
  .positive();
const positiveNumber = z.coerce.number({ message: 'expected a number' }).positive();
const httpsOrHttpUrl = z
  .string()
  .url('expected an absolute URL')
  .refine((u) => /^https?:\/\//i.test(u), 'expected an http or https URL')
  .transform((u) => u.replace(/\/+$/, ''));
const nonEmpty = z.string().trim().min(1, 'must not be empty');

const settingSchemas = {
  AZURE_SUBSCRIPTION_ID: nonEmpty,
  JOBS_RESOURCE_GROUP: nonEmpty,
  JOBS_LOCATION: nonEmpty,
  WORKER_IMAGE: nonEmpty.regex(/^[a-z0-9.-]+(:[0-9]+)?\/[^\s]+$/, 'expected <registry>/<repository>[:tag]'),
  WORKER_IDENTITY_RESOURCE_ID: nonEmpty.regex(
    /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.managedidentity\/userassignedidentities\/[^/]+$/i,
    'expected a user-assigned identity resource id',
  ),
  WORKER_IDENTITY_CLIENT_ID: nonEmpty,
  APP_IDENTITY_CLIENT_ID: z.string().trim().optional(),
  APP_CREDENTIAL: z.enum(['managedidentity', 'azurecli'], {
    message: 'expected managedidentity or azurecli',
  }),
  ARM_ENDPOINT: httpsOrHttpUrl,
  MEDIA_BLOB_ENDPOINT: httpsOrHttpUrl,
  MEDIA_CONTAINER: nonEmpty.regex(
    /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/,
    'expected a valid blob container name',
  ),
  WORKER_CPU: positiveNumber,
  WORKER_MEMORY_GB: positiveNumber,
  JOB_MAX_CPU: positiveNumber,
  JOB_MAX_MEMORY_GB: positiveNumber,
  ACI_PRIORITY: z.enum(['Regular', 'Spot'], { message: 'expected Regular or Spot' }),
  JOB_DEADLINE_MINUTES: positiveInt,
  LIVENESS_POLL_SECONDS: positiveInt,
  LIVENESS_ROUNDS_PER_GENERATION: positiveInt,
  QUOTA_WAIT_MINUTES: positiveInt,
  KEEP_FAILED_GROUPS: bool,
  CALLBACK_BASE_URL: httpsOrHttpUrl.optional(),
  CALLBACK_SIGNING_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  ALLOW_PRIVATE_SOURCES: bool,
  ALLOWED_PRIVATE_SOURCES: z.string().transform((text, ctx) => {
    try {
      return parseAllowedPrivateSources(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }),
  DEFAULT_MAX_BYTES: positiveInt,
  DEFAULT_MAX_DURATION_SECONDS: positiveInt,
  MAX_BYTES_LIMIT: positiveInt,
  MAX_DURATION_LIMIT: positiveInt,
  JANITOR_SCHEDULE: nonEmpty,
  JOB_SUBNET_ID: z
    .string()
    .trim()
    .regex(
      /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i,
      'expected a subnet resource id (/subscriptions/…/providers/Microsoft.Network/virtualNetworks/…/subnets/…)',
    )
    .optional(),
  WEBHOOK_SIGNING_SECRET: z
    .string()
    .trim()
    .regex(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/, 'expected "whsec_" followed by base64 of 24 or more bytes')
    .optional(),
  ACS_ENDPOINT: httpsOrHttpUrl.optional(),
  EMAIL_SENDER_ADDRESS: z.email('expected an e-mail address such as DoNotReply@<your domain>').optional(),
  SOURCE_SECRETS_VAULT_URI: z
    .string()
    .trim()
    .url('expected the vault URI, e.g. https://<vault>.vault.azure.net')
    .refine((u) => u.startsWith('https://'), 'expected an https URL')
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  READ_LINK_MINUTES: positiveInt.max(7 * 24 * 60, 'at most 10080 (7 days, the user delegation key limit)'),
  UPLOAD_LINK_MINUTES: positiveInt.max(7 * 24 * 60, 'at most 10080 (7 days, the user delegation key limit)'),
  UPLOAD_MAX_BYTES: positiveInt,
} as const;

export type SettingName = keyof typeof settingSchemas;

export interface AppConfig {
  subscriptionId: string;
  jobsResourceGroup: string;
  jobsLocation: string;
  workerImage: string;
  /** Registry login server, taken from the image reference. */
  registryServer: string;
  workerIdentityResourceId: string;
  workerIdentityClientId: string;
  appIdentityClientId: string | undefined;
  appCredential: 'managedidentity' | 'azurecli';
  armEndpoint: string;
  mediaBlobEndpoint: string;
  mediaContainer: string;
  workerCpu: number;
  workerMemoryGb: number;
  /** Caps on the size a job's outputs may grow its container to. */
  jobMaxCpu: number;
  jobMaxMemoryGb: number;
  aciPriority: 'Regular' | 'Spot';
  jobDeadlineMinutes: number;
  livenessPollSeconds: number;
  livenessRoundsPerGeneration: number;
  quotaWaitMinutes: number;
  keepFailedGroups: boolean;
  /** Base URL the worker calls back on; undefined only when neither the setting nor WEBSITE_HOSTNAME exists. */
  callbackBaseUrl: string | undefined;
  callbackSigningKey: string | undefined;
  allowPrivateSources: boolean;
  /** Normalised `host:port` entries allowed although private. */
  allowedPrivateSources: string[];
  defaultMaxBytes: number;
  defaultMaxDurationSeconds: number;
  /** Ceilings a request's maxBytes / maxDurationSeconds may not exceed. */
  maxBytesLimit: number;
  maxDurationLimitSeconds: number;
  janitorSchedule: string;
  /** Subnet the job groups join; undefined when JOB_SUBNET_ID is unset or empty. */
  jobSubnetId: string | undefined;
  readLinkMinutes: number;
  /** Where notification mails are sent from; undefined when e-mail is not configured. */
  email: { acsEndpoint: string; senderAddress: string } | undefined;
  /** Key Vault with the source secrets; undefined when unset (no cookies, no proxy). */
  sourceSecretsVaultUri: string | undefined;
  uploadLinkMinutes: number;
  uploadMaxBytes: number;
}

/** Reads and validates every app setting; throws one ConfigError naming all bad settings. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: { setting: string; message: string }[] = [];
  const values: Record<string, unknown> = {};
  for (const spec of APP_SETTINGS) {
    const raw = env[spec.name];
    const text = raw === undefined || raw.trim() === '' ? spec.default : raw;
    if (text === undefined) {
      if (spec.required) problems.push({ setting: spec.name, message: 'is required but not set' });
      continue;
    }
    const parsed = settingSchemas[spec.name].safeParse(text);
    if (parsed.success) values[spec.name] = parsed.data;
    else
      problems.push({
        setting: spec.name,
        message: spec.secret
          ? 'is malformed'
          : `${parsed.error.issues[0]?.message ?? 'is malformed'} (got "${text}")`,
      });
  }
  const ceilings = [
    ['DEFAULT_MAX_BYTES', 'MAX_BYTES_LIMIT'],
    ['DEFAULT_MAX_DURATION_SECONDS', 'MAX_DURATION_LIMIT'],
    ['WORKER_CPU', 'JOB_MAX_CPU'],
    ['WORKER_MEMORY_GB', 'JOB_MAX_MEMORY_GB'],
  ] as const;
  for (const [fallback, ceiling] of ceilings)
    if (
      typeof values[fallback] === 'number' &&
      typeof values[ceiling] === 'number' &&
      values[fallback] > values[ceiling]
    )
      problems.push({
        setting: fallback,
        message: `must not be above ${ceiling} (${String(values[ceiling])})`,
      });
  if ((values.ACS_ENDPOINT === undefined) !== (values.EMAIL_SENDER_ADDRESS === undefined))
    problems.push({
      setting: values.ACS_ENDPOINT === undefined ? 'ACS_ENDPOINT' : 'EMAIL_SENDER_ADDRESS',
      message: 'must be set together with the other of ACS_ENDPOINT and EMAIL_SENDER_ADDRESS (or neither)',
    });
  if (problems.length > 0) throw new ConfigError(problems);

  const v = values as { [K in SettingName]: z.output<(typeof settingSchemas)[K]> };
  const hostname = env.WEBSITE_HOSTNAME?.trim();
  return {
    subscriptionId: v.AZURE_SUBSCRIPTION_ID,
    jobsResourceGroup: v.JOBS_RESOURCE_GROUP,
    jobsLocation: v.JOBS_LOCATION,
    workerImage: v.WORKER_IMAGE,
    registryServer: v.WORKER_IMAGE.split('/')[0] as string,
    workerIdentityResourceId: v.WORKER_IDENTITY_RESOURCE_ID,
    workerIdentityClientId: v.WORKER_IDENTITY_CLIENT_ID,
    appIdentityClientId: v.APP_IDENTITY_CLIENT_ID || undefined,
    appCredential: v.APP_CREDENTIAL,
    armEndpoint: v.ARM_ENDPOINT,
    mediaBlobEndpoint: v.MEDIA_BLOB_ENDPOINT,
    mediaContainer: v.MEDIA_CONTAINER,
    workerCpu: v.WORKER_CPU,
    workerMemoryGb: v.WORKER_MEMORY_GB,
    jobMaxCpu: v.JOB_MAX_CPU,
    jobMaxMemoryGb: v.JOB_MAX_MEMORY_GB,
    aciPriority: v.ACI_PRIORITY,
    jobDeadlineMinutes: v.JOB_DEADLINE_MINUTES,
    livenessPollSeconds: v.LIVENESS_POLL_SECONDS,
    livenessRoundsPerGeneration: v.LIVENESS_ROUNDS_PER_GENERATION,
    quotaWaitMinutes: v.QUOTA_WAIT_MINUTES,
    keepFailedGroups: v.KEEP_FAILED_GROUPS,
    callbackBaseUrl: v.CALLBACK_BASE_URL ?? (hostname ? `https://${hostname}` : undefined),
    callbackSigningKey: v.CALLBACK_SIGNING_KEY,
    allowPrivateSources: v.ALLOW_PRIVATE_SOURCES,
    allowedPrivateSources: v.ALLOWED_PRIVATE_SOURCES,
    defaultMaxBytes: v.DEFAULT_MAX_BYTES,
    defaultMaxDurationSeconds: v.DEFAULT_MAX_DURATION_SECONDS,
    maxBytesLimit: v.MAX_BYTES_LIMIT,
    maxDurationLimitSeconds: v.MAX_DURATION_LIMIT,
    janitorSchedule: v.JANITOR_SCHEDULE,
    jobSubnetId: v.JOB_SUBNET_ID || undefined,
    readLinkMinutes: v.READ_LINK_MINUTES,
    email:
      v.ACS_ENDPOINT && v.EMAIL_SENDER_ADDRESS
        ? { acsEndpoint: v.ACS_ENDPOINT, senderAddress: v.EMAIL_SENDER_ADDRESS }
        : undefined,
    sourceSecretsVaultUri: v.SOURCE_SECRETS_VAULT_URI || undefined,
    uploadLinkMinutes: v.UPLOAD_LINK_MINUTES,
    uploadMaxBytes: v.UPLOAD_MAX_BYTES,
  };
}

let cached: AppConfig | undefined;
/** The process-wide config, validated on first use (app start-up hook calls this). */
export function getConfig(): AppConfig {
  cached ??= loadConfig();
  return cached;
}
/** For tests that change the environment between cases. */
export function resetConfigCache(): void {
  cached = undefined;
}
