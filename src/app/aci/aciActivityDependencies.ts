import type { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';

/** What every ACI activity needs; the registrations in src/app/functions supply the app's own. */
export interface AciActivityDependencies {
  aci: ContainerInstanceManagementClient;
  resourceGroup: string;
}
