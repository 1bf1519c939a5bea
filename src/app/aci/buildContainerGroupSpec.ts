import type { ContainerGroup, EnvironmentVariable } from '@azure/arm-containerinstance';
import type { AppConfig } from '../config.js';
import type { JobRequest } from '../../shared/contracts.js';
import { CREATED_TAG, INSTANCE_TAG, MANAGED_BY_TAG } from '../../shared/naming.js';
import { SECURE_WORKER_ENV, WORKER_ENV } from '../../shared/workerEnvironment.js';
import { jobCallbackUrl } from '../../shared/jobCallbackUrl.js';

/** Name of the one container in every job group (logs are read from it). */
export const WORKER_CONTAINER_NAME = 'worker';

export type AciPriority = 'Regular' | 'Spot';

/** The settings the spec needs; a subset of AppConfig so tests and callers pass only these. */
export type ContainerGroupSettings = Pick<
  AppConfig,
  | 'jobsLocation'
  | 'workerImage'
  | 'registryServer'
  | 'workerIdentityResourceId'
  | 'workerIdentityClientId'
  | 'mediaBlobEndpoint'
  | 'mediaContainer'
  | 'workerCpu'
  | 'workerMemoryGb'
  | 'defaultMaxBytes'
  | 'defaultMaxDurationSeconds'
> & { callbackBaseUrl: string } & Partial<Pick<AppConfig, 'allowPrivateSources' | 'jobSubnetId'>>;

export interface ContainerGroupSpecInput {
  instanceId: string;
  request: JobRequest;
  outputBlobName: string;
  priority: AciPriority;
  /** ISO time of the first create attempt, so retried PUTs send an identical spec. */
  createdAt: string;
  /** The per-job callback token; reaches the container only as a secureValue. */
  callbackToken: string;
  settings: ContainerGroupSettings;
}

/**
 * The container group for one job: one worker container, the worker's user-assigned identity (also
 * used to pull from the registry, so no registry password exists), never restarted, no public IP.
 */
export function buildContainerGroupSpec(input: ContainerGroupSpecInput): ContainerGroup {
  const { instanceId, request, settings } = input;
  const env: Record<string, string | undefined> = {
    [WORKER_ENV.instanceId]: instanceId,
    [WORKER_ENV.sourceUrl]: request.url,
    [WORKER_ENV.maxHeight]: request.maxHeight?.toString(),
    [WORKER_ENV.maxBytes]: String(request.maxBytes ?? settings.defaultMaxBytes),
    [WORKER_ENV.maxDurationSeconds]: String(request.maxDurationSeconds ?? settings.defaultMaxDurationSeconds),
    [WORKER_ENV.outputBlobName]: input.outputBlobName,
    [WORKER_ENV.mediaBlobEndpoint]: settings.mediaBlobEndpoint,
    [WORKER_ENV.mediaContainer]: settings.mediaContainer,
    [WORKER_ENV.identityClientId]: settings.workerIdentityClientId,
    [WORKER_ENV.callbackUrl]: jobCallbackUrl(settings.callbackBaseUrl, instanceId),
    [WORKER_ENV.callbackToken]: input.callbackToken,
    // The worker re-applies the source policy, so it must know when private sources are allowed.
    [WORKER_ENV.allowPrivateSources]: settings.allowPrivateSources ? 'true' : undefined,
  };
  const environmentVariables: EnvironmentVariable[] = Object.entries(env)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) =>
      // The source URL may carry a signed query string: as a secureValue ARM does not return it. It is
      // still in the orchestration's input and history and in the container's own environment.
      SECURE_WORKER_ENV.includes(name) || name === WORKER_ENV.sourceUrl
        ? { name, secureValue: value }
        : { name, value },
    );

  return {
    location: settings.jobsLocation,
    tags: {
      [MANAGED_BY_TAG.name]: MANAGED_BY_TAG.value,
      [INSTANCE_TAG]: instanceId,
      [CREATED_TAG]: input.createdAt,
    },
    identity: {
      type: 'UserAssigned',
      userAssignedIdentities: { [settings.workerIdentityResourceId]: {} },
    },
    osType: 'Linux',
    restartPolicy: 'Never',
    ...(settings.jobSubnetId ? { subnetIds: [{ id: settings.jobSubnetId }] } : {}),
    priority: input.priority,
    imageRegistryCredentials: [
      { server: settings.registryServer, identity: settings.workerIdentityResourceId },
    ],
    containers: [
      {
        name: WORKER_CONTAINER_NAME,
        image: settings.workerImage,
        resources: { requests: { cpu: settings.workerCpu, memoryInGB: settings.workerMemoryGb } },
        environmentVariables,
      },
    ],
  };
}
