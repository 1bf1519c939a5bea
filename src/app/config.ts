import { z } from 'zod';
import { ConfigError } from './errors/ConfigError.js';
import { parseAllowedPrivateSources } from '../shared/egress/addressPolicy.js';

/**
 * Every app setting the code reads, in one place. Bicep sets exactly these (tested), and the
 * local stack provides them, so the list is the contract between the app and its environments.
 */
export interface SettingSpec {
  name: string;
  description: string;
  /** Missing and no default: startup fails naming the setting. */
  required: boolean;
  default?: string;
  /** Never logged, never echoed; in Azure prefer a Key Vault reference. */
  secret?: boolean;
}

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

export const APP_SETTINGS: readonly (SettingSpec & { name: SettingName })[] = [
  {
    name: 'AZURE_SUBSCRIPTION_ID',
    required: true,
    description: 'Subscription that holds the jobs resource group.',
  },
  {
    name: 'JOBS_RESOURCE_GROUP',
    required: true,
    description: 'Resource group where job container groups are created.',
  },
  { name: 'JOBS_LOCATION', required: true, description: 'Azure region for job container groups.' },
  {
    name: 'WORKER_IMAGE',
    required: true,
    description: 'Worker image in the registry, e.g. myacr.azurecr.io/mediaferry-worker:1.0.0.',
  },
  {
    name: 'WORKER_IDENTITY_RESOURCE_ID',
    required: true,
    description:
      'Resource id of the user-assigned identity attached to job containers (pulls the image, writes media).',
  },
  {
    name: 'WORKER_IDENTITY_CLIENT_ID',
    required: true,
    description: 'Client id of the worker identity, used by the worker to get tokens.',
  },
  {
    name: 'APP_IDENTITY_CLIENT_ID',
    required: false,
    description: "Client id of the app's user-assigned identity; unset means the system-assigned identity.",
  },
  {
    name: 'APP_CREDENTIAL',
    required: false,
    default: 'managedidentity',
    description:
      "How the app authenticates to Azure Resource Manager: managedidentity (Azure, the local stack) or azurecli (func start on a developer's machine, signed in with az login).",
  },
  {
    name: 'ARM_ENDPOINT',
    required: false,
    default: 'https://management.azure.com',
    description: 'Azure Resource Manager endpoint.',
  },
  {
    name: 'MEDIA_BLOB_ENDPOINT',
    required: true,
    description: 'Blob endpoint of the media storage account, e.g. https://acct.blob.core.windows.net.',
  },
  {
    name: 'MEDIA_CONTAINER',
    required: false,
    default: 'media',
    description: 'Blob container for finished media.',
  },
  {
    name: 'WORKER_CPU',
    required: false,
    default: '1',
    description: 'CPU cores requested for each job container.',
  },
  {
    name: 'WORKER_MEMORY_GB',
    required: false,
    default: '2',
    description: 'Memory (GB) requested for each job container.',
  },
  {
    name: 'JOB_MAX_CPU',
    required: false,
    default: '4',
    description:
      'Most CPU cores one job container may request when its outputs (e.g. a streaming ladder) need more than WORKER_CPU. At least WORKER_CPU.',
  },
  {
    name: 'JOB_MAX_MEMORY_GB',
    required: false,
    default: '16',
    description:
      'Most memory (GB) one job container may request when its outputs need more than WORKER_MEMORY_GB. At least WORKER_MEMORY_GB.',
  },
  {
    name: 'ACI_PRIORITY',
    required: false,
    default: 'Regular',
    description: 'Regular or Spot; Spot falls back to Regular when Spot capacity is refused.',
  },
  {
    name: 'JOB_DEADLINE_MINUTES',
    required: false,
    default: '60',
    description: 'Hard deadline for one job; the group is removed and the job fails TIMEOUT.',
  },
  {
    name: 'LIVENESS_POLL_SECONDS',
    required: false,
    default: '30',
    description: "How often a running job's container is inspected for an exit without a report.",
  },
  {
    name: 'LIVENESS_ROUNDS_PER_GENERATION',
    required: false,
    default: '20',
    description:
      "Wait rounds (liveness polls or events) a job's orchestration runs before it continues as new, which bounds its history.",
  },
  {
    name: 'QUOTA_WAIT_MINUTES',
    required: false,
    default: '30',
    description: 'How long a job waits and retries when the ACI quota is full.',
  },
  {
    name: 'KEEP_FAILED_GROUPS',
    required: false,
    default: 'false',
    description: 'Stop (keep) instead of delete the group of a failed job, for debugging.',
  },
  {
    name: 'CALLBACK_BASE_URL',
    required: false,
    description: 'Public base URL of this app for worker callbacks; default https://$WEBSITE_HOSTNAME.',
  },
  {
    name: 'CALLBACK_SIGNING_KEY',
    required: false,
    secret: true,
    description:
      'Key for per-job callback tokens (use a Key Vault reference); unset means one is generated and kept in the host storage account.',
  },
  {
    name: 'ALLOW_PRIVATE_SOURCES',
    required: false,
    default: 'false',
    description: 'Accept source URLs on loopback/private networks. For local development and tests only.',
  },
  {
    name: 'ALLOWED_PRIVATE_SOURCES',
    required: false,
    default: '',
    description:
      'Exact host:port entries (comma-separated, IPv6 in brackets) reachable as sources even when private sources are refused, e.g. an on-premises media server. Link-local, metadata and wireserver addresses stay refused.',
  },
  {
    name: 'DEFAULT_MAX_BYTES',
    required: false,
    default: String(2 * 1024 ** 3),
    description: 'Largest download accepted when a request sets no maxBytes.',
  },
  {
    name: 'DEFAULT_MAX_DURATION_SECONDS',
    required: false,
    default: String(4 * 3600),
    description: 'Longest media accepted when a request sets no maxDurationSeconds.',
  },
  {
    name: 'MAX_BYTES_LIMIT',
    required: false,
    default: String(2 * 1024 ** 3),
    description:
      'Ceiling on maxBytes: a request asking for more is refused (400). At least DEFAULT_MAX_BYTES.',
  },
  {
    name: 'MAX_DURATION_LIMIT',
    required: false,
    default: String(4 * 3600),
    description:
      'Ceiling on maxDurationSeconds, in seconds: a request asking for more is refused (400). At least DEFAULT_MAX_DURATION_SECONDS.',
  },
  {
    name: 'JANITOR_SCHEDULE',
    required: false,
    default: '0 */10 * * * *',
    description: 'NCRONTAB schedule of the orphan container group janitor.',
  },
  {
    name: 'JOB_SUBNET_ID',
    required: false,
    description:
      'Subnet resource id job container groups join (its NSG limits their egress); empty means no subnet.',
  },
  {
    name: 'SOURCE_SECRETS_VAULT_URI',
    required: false,
    description:
      'URI of the Key Vault holding the optional source secrets (cookies file, proxy URL); passed to the worker, which reads them with its own identity. Empty means jobs run without cookies or proxy.',
  },
  {
    name: 'READ_LINK_MINUTES',
    required: false,
    default: '60',
    description:
      "Minutes an output's read link (a user-delegation SAS made fresh on every job view) stays valid.",
  },
  {
    name: 'WEBHOOK_SIGNING_SECRET',
    required: false,
    secret: true,
    description:
      'Standard Webhooks secret (whsec_ + base64) that signs every webhook; use a Key Vault reference. Unset means one is generated and kept in the host storage account.',
  },
  {
    name: 'ACS_ENDPOINT',
    required: false,
    description:
      'Endpoint of the Azure Communication Services resource that sends notifyEmail mails (https://<name>.communication.azure.com), called with the app identity. Unset: notifyEmail is refused.',
  },
  {
    name: 'EMAIL_SENDER_ADDRESS',
    required: false,
    description:
      "From address of notification mails, on the Email service's linked domain (e.g. DoNotReply@<guid>.azurecomm.net).",
  },
  {
    name: 'UPLOAD_LINK_MINUTES',
    required: false,
    default: '60',
    description:
      'Minutes the upload link POST /api/uploads hands out (a create/write-only user-delegation SAS for one blob in incoming) stays valid.',
  },
  {
    name: 'UPLOAD_MAX_BYTES',
    required: false,
    default: String(2 * 1024 ** 3),
    description:
      'Largest file POST /api/uploads accepts (413 above it); an uploaded or dropped blob larger than this fails TOO_LARGE before it is read.',
  },
];

/** Settings read by the Functions host rather than by this code, which Bicep may also set. */
export const HOST_SETTINGS: readonly string[] = [
  'AzureWebJobsStorage',
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__blobServiceUri',
  'AzureWebJobsStorage__queueServiceUri',
  'AzureWebJobsStorage__tableServiceUri',
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  // The media account's identity-based connection the upload trigger (startUploadJob) uses.
  'MediaStorage__blobServiceUri',
  'MediaStorage__credential',
  'MediaStorage__clientId',
  'DURABLE_TASK_HUB',
  'FUNCTIONS_EXTENSION_VERSION',
  'FUNCTIONS_WORKER_RUNTIME',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  // The web library's page answers at /, not the Functions host's default home page.
  'AzureWebJobsDisableHomepage',
];

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
