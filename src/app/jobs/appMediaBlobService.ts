import type { TokenCredential } from '@azure/identity';
import { AzureCliCredential, ManagedIdentityCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import type { AppConfig } from '../config.js';

export type MediaStorageConfig = Pick<
  AppConfig,
  'mediaBlobEndpoint' | 'mediaContainer' | 'appCredential' | 'appIdentityClientId'
>;

/** The media account as the app's own identity sees it (never an account key). */
export function appMediaBlobService(config: MediaStorageConfig): BlobServiceClient {
  const credential: TokenCredential =
    config.appCredential === 'azurecli'
      ? new AzureCliCredential()
      : config.appIdentityClientId
        ? new ManagedIdentityCredential({ clientId: config.appIdentityClientId })
        : new ManagedIdentityCredential();
  return new BlobServiceClient(config.mediaBlobEndpoint, credential);
}
