import { ManagedIdentityCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import { HostStorageNotConfiguredError } from '../errors/HostStorageNotConfiguredError.js';

/**
 * A blob client for the Functions host's own storage account, found the way the host finds it:
 * a connection string in `AzureWebJobsStorage`, or the identity-based `AzureWebJobsStorage__*`
 * settings (user-assigned identity when `__clientId` is set, else the system-assigned one).
 */
export function hostBlobServiceClient(env: NodeJS.ProcessEnv = process.env): BlobServiceClient {
  const connectionString = env.AzureWebJobsStorage?.trim();
  if (connectionString) return BlobServiceClient.fromConnectionString(connectionString);

  const serviceUri =
    env.AzureWebJobsStorage__blobServiceUri?.trim() ||
    (env.AzureWebJobsStorage__accountName?.trim()
      ? `https://${env.AzureWebJobsStorage__accountName.trim()}.blob.core.windows.net`
      : undefined);
  if (!serviceUri) throw new HostStorageNotConfiguredError();
  const clientId = env.AzureWebJobsStorage__clientId?.trim();
  const credential = clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
  return new BlobServiceClient(serviceUri, credential);
}
