import type { ContainerGroupSpecInput } from '../../../src/app/aci/buildContainerGroupSpec.js';

/** A job's container group spec input as the orchestrator hands it over: Regular, with a fixed time and token. */
export function specInput(
  job: Pick<ContainerGroupSpecInput, 'instanceId' | 'request' | 'outputBlobName'>,
  settings: ContainerGroupSpecInput['settings'],
): ContainerGroupSpecInput {
  return {
    ...job,
    priority: 'Regular',
    createdAt: '2026-03-01T10:00:00.000Z',
    callbackToken: 'tok_0123456789abcdef0123456789',
    settings,
  };
}

/** specInput of a job that fetches `url` into its own default output blob (`<id>/<id>.mp4`). */
export function urlJobSpecInput(
  instanceId: string,
  url: string,
  settings: ContainerGroupSpecInput['settings'],
): ContainerGroupSpecInput {
  return specInput(
    { instanceId, request: { url }, outputBlobName: `${instanceId}/${instanceId}.mp4` },
    settings,
  );
}

/** The container group spec input of a job with the streaming preset, on Azure-shaped settings. */
export function streamingSpecInput(
  settings: Partial<ContainerGroupSpecInput['settings']>,
): ContainerGroupSpecInput {
  return specInput(
    {
      instanceId: 'job-1',
      request: { url: 'https://media.example.com/a.mp4', preset: 'streaming' },
      outputBlobName: 'job-1.mp4',
    },
    {
      jobsLocation: 'westeurope',
      workerImage: 'myacr.azurecr.io/w:1',
      registryServer: 'myacr.azurecr.io',
      workerIdentityResourceId: '/subscriptions/0/id',
      workerIdentityClientId: 'client',
      mediaBlobEndpoint: 'https://acct.blob.core.windows.net',
      mediaContainer: 'media',
      workerCpu: 1,
      workerMemoryGb: 2,
      defaultMaxBytes: 1000,
      defaultMaxDurationSeconds: 600,
      callbackBaseUrl: 'https://app.azurewebsites.net',
      ...settings,
    },
  );
}
