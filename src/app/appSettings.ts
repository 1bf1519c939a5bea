import type { SettingName } from './config.js';

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
