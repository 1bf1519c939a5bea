import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { getConfig } from '../config.js';
import { FUNCTION_NAMES } from '../functionNames.js';
import { INCOMING_CONTAINER } from '../../shared/blobSource.js';
import { UploadRecords } from '../uploads/uploadRecords.js';
import { startUploadJob } from '../uploads/startUploadJob.js';
import { createUpload } from '../uploads/uploadsApi.js';

/** The app setting prefix of the media storage account's identity-based connection. */
export const MEDIA_STORAGE_CONNECTION = 'MediaStorage';

app.http(FUNCTION_NAMES.uploads, {
  route: 'api/uploads',
  // Every method is routed here so a wrong one is a 405 naming POST.
  methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
  authLevel: 'function',
  handler: (request, context) => createUpload(request, context),
});

const records = new UploadRecords();

// Event Grid delivers BlobCreated for `incoming/` (Flex Consumption has no polling blob trigger).
df.app.client.storageBlob(FUNCTION_NAMES.startUploadJob, {
  path: `${INCOMING_CONTAINER}/{name}`,
  connection: MEDIA_STORAGE_CONNECTION,
  source: 'EventGrid',
  handler: async (_content, client, context) => {
    const metadata = context.triggerMetadata ?? {};
    const properties = (metadata['properties'] ?? {}) as Record<string, unknown>;
    const etag = String(properties['eTag'] ?? properties['etag'] ?? '');
    await startUploadJob({ path: String(metadata['blobTrigger']), etag }, client, {
      config: getConfig(),
      findRecord: (uploadId) => records.find(uploadId),
      log: (message) => context.log(message),
    });
  },
});
