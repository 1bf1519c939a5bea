import type { ContainerGroup, EnvironmentVariable } from '@azure/arm-containerinstance';
import type { AppConfig } from '../config.js';
import { isBlobJob, type JobSpec } from '../../shared/blobSource.js';
import { isMp4Only, resolveOutputs } from '../../shared/outputSpecs.js';
import { CREATED_TAG, INSTANCE_TAG, MANAGED_BY_TAG } from '../../shared/naming.js';
import { SECURE_WORKER_ENV, WORKER_ENV } from '../../shared/workerEnvironment.js';
import { jobCallbackUrl } from '../../shared/jobCallbackUrl.js';
import { jobContainerResources } from './jobContainerResources.js';

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
> &
  Partial<
    Pick<
      AppConfig,
      | 'allowPrivateSources'
      | 'allowedPrivateSources'
      | 'maxBytesLimit'
      | 'maxDurationLimitSeconds'
      | 'jobMaxCpu'
      | 'jobMaxMemoryGb'
      | 'jobSubnetId'
      | 'sourceSecretsVaultUri'
    >
  > & { callbackBaseUrl: string };

export interface ContainerGroupSpecInput {
  instanceId: string;
  request: JobSpec;
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
  const outputs = resolveOutputs(request);
  const lists = 'playlist' in request && request.playlist !== undefined;
  const env: Record<string, string | undefined> = {
    [WORKER_ENV.instanceId]: instanceId,
    [WORKER_ENV.sourceUrl]: isBlobJob(request) ? undefined : request.url,
    // A blob source is read with the worker's identity from the media account's incoming container.
    [WORKER_ENV.sourceBlob]: isBlobJob(request) ? request.sourceBlob : undefined,
    [WORKER_ENV.maxHeight]: request.maxHeight?.toString(),
    // The starter refuses limits above the ceilings; an input that never went through it is clamped.
    [WORKER_ENV.maxBytes]: String(
      Math.min(request.maxBytes ?? settings.defaultMaxBytes, settings.maxBytesLimit ?? Infinity),
    ),
    [WORKER_ENV.maxDurationSeconds]: String(
      Math.min(
        request.maxDurationSeconds ?? settings.defaultMaxDurationSeconds,
        settings.maxDurationLimitSeconds ?? Infinity,
      ),
    ),
    [WORKER_ENV.outputBlobName]: input.outputBlobName,
    // Today's MP4-only jobs get exactly the environment they always had.
    [WORKER_ENV.outputs]: isMp4Only(outputs) ? undefined : JSON.stringify(outputs),
    [WORKER_ENV.mediaBlobEndpoint]: settings.mediaBlobEndpoint,
    [WORKER_ENV.mediaContainer]: settings.mediaContainer,
    [WORKER_ENV.identityClientId]: settings.workerIdentityClientId,
    [WORKER_ENV.callbackUrl]: jobCallbackUrl(settings.callbackBaseUrl, instanceId),
    [WORKER_ENV.callbackToken]: input.callbackToken,
    // The worker applies the same egress policy to every connection it makes.
    [WORKER_ENV.allowPrivateSources]: String(settings.allowPrivateSources ?? false),
    [WORKER_ENV.allowedPrivateSources]: settings.allowedPrivateSources?.join(',') || undefined,
    // Only where the secrets are: the worker reads them itself, so their values never pass through here.
    [WORKER_ENV.sourceSecretsVaultUri]: settings.sourceSecretsVaultUri,
    [WORKER_ENV.useCookies]: request.useCookies === false ? 'false' : undefined,
    // A playlist job's own group only lists the playlist; its items run as child jobs.
    [WORKER_ENV.playlistMaxItems]:
      lists && 'playlist' in request && request.playlist ? String(request.playlist.maxItems) : undefined,
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
        resources: {
          // A listing run makes no outputs: the configured size is plenty.
          requests: jobContainerResources(lists ? [] : outputs, {
            cpu: settings.workerCpu,
            memoryGb: settings.workerMemoryGb,
            maxCpu: settings.jobMaxCpu,
            maxMemoryGb: settings.jobMaxMemoryGb,
          }),
        },
        environmentVariables,
      },
    ],
  };
}
