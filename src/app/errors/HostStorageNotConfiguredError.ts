import { MediaferryError } from '../../shared/errors/MediaferryError.js';

/** Raised when the host storage account cannot be located from the app settings. */
export class HostStorageNotConfiguredError extends MediaferryError {
  readonly code = 'HOST_STORAGE_NOT_CONFIGURED';
  readonly retryable = false;
  constructor() {
    super(
      'The host storage account is not configured: set AzureWebJobsStorage (a connection string) or ' +
        'AzureWebJobsStorage__blobServiceUri / AzureWebJobsStorage__accountName (managed identity).',
    );
    this.name = 'HostStorageNotConfiguredError';
  }
}
