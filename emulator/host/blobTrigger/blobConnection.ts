import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import { HostError } from '../HostError.js';

function setting(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/**
 * The blob client for a binding's `connection`, found the way the Storage extension finds it: a
 * connection string in `<name>` (or `AzureWebJobs<name>`), or the identity-based settings
 * `<name>__blobServiceUri` / `__serviceUri` / `__accountName`, with `__credential=managedidentity`
 * and `__clientId` for a user-assigned identity (DefaultAzureCredential otherwise).
 */
export function blobServiceClientFor(
  connection: string,
  env: NodeJS.ProcessEnv = process.env,
): BlobServiceClient {
  const connectionString = setting(env, connection) ?? setting(env, `AzureWebJobs${connection}`);
  if (connectionString) return BlobServiceClient.fromConnectionString(connectionString);
  const accountName = setting(env, `${connection}__accountName`);
  const serviceUri =
    setting(env, `${connection}__blobServiceUri`) ??
    setting(env, `${connection}__serviceUri`) ??
    (accountName ? `https://${accountName}.blob.core.windows.net` : undefined);
  if (!serviceUri)
    throw new HostError(
      'UnsupportedAppFeature',
      `The connection '${connection}' names no storage account: set ${connection} (a connection string) or ${connection}__blobServiceUri.`,
    );
  const clientId = setting(env, `${connection}__clientId`);
  const credential: TokenCredential =
    setting(env, `${connection}__credential`)?.toLowerCase() === 'managedidentity'
      ? new ManagedIdentityCredential(clientId ? { clientId } : {})
      : new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
  return new BlobServiceClient(serviceUri, credential);
}
