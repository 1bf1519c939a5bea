import type { TokenCredential } from '@azure/identity';
import { AzureCliCredential, ManagedIdentityCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import type { AppConfig } from '../config.js';

export type MediaStorageConfig = Pick<
  AppConfig,
  'mediaBlobEndpoint' | 'mediaContainer' | 'appCredential' | 'appIdentityClientId'
>;

/** The app's own identity, as the settings name it (never an account key). */
export function appTokenCredential(
  config: Pick<AppConfig, 'appCredential' | 'appIdentityClientId'>,
): TokenCredential {
  if (config.appCredential === 'azurecli') return new AzureCliCredential();
  return config.appIdentityClientId
    ? new ManagedIdentityCredential({ clientId: config.appIdentityClientId })
    : new ManagedIdentityCredential();
}

/** The media account as the app's own identity sees it. */
export function appMediaBlobService(config: MediaStorageConfig): BlobServiceClient {
  return new BlobServiceClient(config.mediaBlobEndpoint, appTokenCredential(config));
}
