import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import type { TokenCredential } from '@azure/identity';
import { AzureCliCredential, ManagedIdentityCredential } from '@azure/identity';
import type { AppConfig } from '../config.js';

/** ARM's token audience, pinned so a non-Azure ARM_ENDPOINT (the local emulator) gets the same tokens. */
export const ARM_SCOPE = 'https://management.azure.com/.default';

export interface AciClientOptions {
  /** Replaces the app's managed identity (tests, tools). */
  credential?: TokenCredential;
  /** Extra CA certificate (PEM) to trust for the ARM endpoint, e.g. a local emulator's. */
  trustedCa?: string;
}

/**
 * The only Azure-specific piece of the ACI activities: an ARM client for the configured endpoint,
 * authenticated as the app's managed identity (user-assigned when APP_IDENTITY_CLIENT_ID is set).
 */
export function createAciClient(
  config: Pick<AppConfig, 'subscriptionId' | 'armEndpoint' | 'appIdentityClientId'> &
    Partial<Pick<AppConfig, 'appCredential'>>,
  options: AciClientOptions = {},
): ContainerInstanceManagementClient {
  const credential =
    options.credential ??
    (config.appCredential === 'azurecli'
      ? new AzureCliCredential()
      : config.appIdentityClientId
        ? new ManagedIdentityCredential({ clientId: config.appIdentityClientId })
        : new ManagedIdentityCredential());
  return new ContainerInstanceManagementClient(credential, config.subscriptionId, {
    endpoint: config.armEndpoint,
    credentialScopes: [ARM_SCOPE],
    ...(options.trustedCa ? { tlsOptions: { ca: options.trustedCa } } : {}),
  });
}
