import type { ContainerGroupSettings } from '../../../src/app/aci/buildContainerGroupSpec.js';

/**
 * Job group settings for tests on the ACI emulator: images under registry.local, nothing reachable
 * outside; `settings` names the worker image and identity, and may change any other setting.
 */
export function testContainerGroupSettings(
  settings: Pick<
    ContainerGroupSettings,
    'workerImage' | 'workerIdentityResourceId' | 'workerIdentityClientId'
  > &
    Partial<ContainerGroupSettings>,
): ContainerGroupSettings {
  return {
    jobsLocation: 'westeurope',
    registryServer: 'registry.local',
    mediaBlobEndpoint: 'https://127.0.0.1:1/devstoreaccount1',
    mediaContainer: 'media',
    workerCpu: 1,
    workerMemoryGb: 1,
    defaultMaxBytes: 1_000_000,
    defaultMaxDurationSeconds: 600,
    callbackBaseUrl: 'http://127.0.0.1:7071',
    ...settings,
  };
}
