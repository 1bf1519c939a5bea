import { RestError, type BlobServiceClient } from '@azure/storage-blob';
import { SIGNING_KEY_CONTAINER } from '../callback/callbackSigningKey.js';
import { hostBlobServiceClient } from '../callback/hostBlobServiceClient.js';
import { jobNotificationSchema, type JobNotification } from '../../shared/jobView.js';

const PREFIX = 'notifications';

/**
 * Each notification's delivery state, one small blob per job, channel and event in the host storage
 * account's system container. Only the notification orchestration writes a given blob (one writer, in
 * order), so a plain overwrite is safe; readers list the job's prefix.
 */
export async function recordNotification(
  jobId: string,
  notification: JobNotification,
  blobService: BlobServiceClient = hostBlobServiceClient(),
): Promise<void> {
  const container = blobService.getContainerClient(SIGNING_KEY_CONTAINER);
  await container.createIfNotExists();
  const body = JSON.stringify(jobNotificationSchema.parse(notification));
  await container
    .getBlockBlobClient(blobName(jobId, notification))
    .upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: 'application/json' } });
}

/** What the job view shows as `notifications`: every channel's state for every event, oldest first. */
export async function jobNotifications(
  jobId: string,
  blobService: BlobServiceClient = hostBlobServiceClient(),
): Promise<JobNotification[]> {
  const container = blobService.getContainerClient(SIGNING_KEY_CONTAINER);
  const found: { created: number; notification: JobNotification }[] = [];
  try {
    for await (const item of container.listBlobsFlat({ prefix: `${PREFIX}/${encodeURIComponent(jobId)}/` })) {
      const text = (await container.getBlobClient(item.name).downloadToBuffer()).toString('utf8');
      const parsed = jobNotificationSchema.safeParse(JSON.parse(text));
      if (parsed.success)
        found.push({ created: item.properties.createdOn?.getTime() ?? 0, notification: parsed.data });
    }
  } catch (error) {
    // No system container yet means no notification was ever recorded.
    if (error instanceof RestError && error.statusCode === 404) return [];
    throw error;
  }
  return found.sort((a, b) => a.created - b.created).map((entry) => entry.notification);
}

function blobName(jobId: string, notification: JobNotification): string {
  return `${PREFIX}/${encodeURIComponent(jobId)}/${notification.channel}.${notification.type}.json`;
}
