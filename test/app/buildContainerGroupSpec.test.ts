import { describe, expect, it } from 'vitest';
import {
  buildContainerGroupSpec,
  WORKER_CONTAINER_NAME,
  type ContainerGroupSettings,
  type ContainerGroupSpecInput,
} from '../../src/app/aci/buildContainerGroupSpec.js';
import { SECURE_WORKER_ENV, WORKER_ENV } from '../../src/shared/workerEnvironment.js';
import { specInput } from './support/streamingSpecInput.js';

const IDENTITY =
  '/subscriptions/0000/resourceGroups/rg-jobs/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-worker';
const SETTINGS: ContainerGroupSettings = {
  jobsLocation: 'westeurope',
  workerImage: 'myacr.azurecr.io/mediaferry-worker:1.2.3',
  registryServer: 'myacr.azurecr.io',
  workerIdentityResourceId: IDENTITY,
  workerIdentityClientId: 'client-id-worker',
  mediaBlobEndpoint: 'https://acct.blob.core.windows.net',
  mediaContainer: 'media',
  workerCpu: 2,
  workerMemoryGb: 3.5,
  defaultMaxBytes: 1000,
  defaultMaxDurationSeconds: 600,
  callbackBaseUrl: 'https://app.azurewebsites.net',
};
const INPUT: ContainerGroupSpecInput = specInput(
  {
    instanceId: 'job-42',
    request: { url: 'https://media.example.com/a.webm?sig=secret' },
    outputBlobName: 'job-42.mp4',
  },
  SETTINGS,
);

function envOf(spec: ReturnType<typeof buildContainerGroupSpec>) {
  return spec.containers[0]?.environmentVariables ?? [];
}

describe('buildContainerGroupSpec', () => {
  const spec = buildContainerGroupSpec(INPUT);

  it('attaches the worker identity and pulls the image through it, with no registry password', () => {
    expect(spec.identity).toEqual({ type: 'UserAssigned', userAssignedIdentities: { [IDENTITY]: {} } });
    expect(spec.imageRegistryCredentials).toEqual([{ server: 'myacr.azurecr.io', identity: IDENTITY }]);
    expect(JSON.stringify(spec.imageRegistryCredentials)).not.toMatch(/password|username/i);
  });

  it('never restarts the worker and exposes no IP address', () => {
    expect(spec.restartPolicy).toBe('Never');
    expect(spec.ipAddress).toBeUndefined();
    expect(spec.osType).toBe('Linux');
    expect(spec.location).toBe('westeurope');
  });

  it('requests the configured CPU and memory for one worker container running the configured image', () => {
    expect(spec.containers).toHaveLength(1);
    expect(spec.containers[0]).toMatchObject({
      name: WORKER_CONTAINER_NAME,
      image: 'myacr.azurecr.io/mediaferry-worker:1.2.3',
      resources: { requests: { cpu: 2, memoryInGB: 3.5 } },
    });
  });

  it('tags the group as managed by mediaferry with its instance id and creation time', () => {
    expect(spec.tags).toEqual({
      'managed-by': 'mediaferry',
      'mediaferry-instance': 'job-42',
      'mediaferry-created': '2026-03-01T10:00:00.000Z',
    });
  });

  it('passes the callback URL and token only as secure values', () => {
    const env = envOf(spec);
    for (const name of SECURE_WORKER_ENV)
      expect(env.find((v) => v.name === name)?.value, name).toBeUndefined();
    expect(env.find((v) => v.name === WORKER_ENV.callbackUrl)).toEqual({
      name: WORKER_ENV.callbackUrl,
      secureValue: 'https://app.azurewebsites.net/api/jobs/job-42/events',
    });
    expect(env.find((v) => v.name === WORKER_ENV.callbackToken)).toEqual({
      name: WORKER_ENV.callbackToken,
      secureValue: INPUT.callbackToken,
    });
    expect(JSON.stringify(env.filter((v) => v.value !== undefined))).not.toContain(INPUT.callbackToken);
  });

  it('keeps a signed source URL out of the readable spec', () => {
    expect(envOf(spec).find((v) => v.name === WORKER_ENV.sourceUrl)).toEqual({
      name: WORKER_ENV.sourceUrl,
      secureValue: 'https://media.example.com/a.webm?sig=secret',
    });
  });

  it('names an uploaded blob as the source instead of a URL', () => {
    const env = envOf(
      buildContainerGroupSpec({
        ...INPUT,
        request: { sourceBlob: 'incoming/u1/talk.mov', preset: 'streaming' },
      }),
    );
    expect(env.find((v) => v.name === WORKER_ENV.sourceBlob)).toEqual({
      name: WORKER_ENV.sourceBlob,
      value: 'incoming/u1/talk.mov',
    });
    expect(env.some((v) => v.name === WORKER_ENV.sourceUrl)).toBe(false);
  });

  it('gives the worker its job, limits and destination, defaulting limits from the settings', () => {
    const plain = Object.fromEntries(envOf(spec).map((v) => [v.name, v.value ?? v.secureValue]));
    expect(plain).toMatchObject({
      [WORKER_ENV.instanceId]: 'job-42',
      [WORKER_ENV.maxBytes]: '1000',
      [WORKER_ENV.maxDurationSeconds]: '600',
      [WORKER_ENV.outputBlobName]: 'job-42.mp4',
      [WORKER_ENV.mediaBlobEndpoint]: 'https://acct.blob.core.windows.net',
      [WORKER_ENV.mediaContainer]: 'media',
      [WORKER_ENV.identityClientId]: 'client-id-worker',
    });
    expect(plain[WORKER_ENV.maxHeight]).toBeUndefined();

    const limited = buildContainerGroupSpec({
      ...INPUT,
      request: { ...INPUT.request, maxHeight: 720, maxBytes: 50, maxDurationSeconds: 30 },
    });
    const limitedEnv = Object.fromEntries(envOf(limited).map((v) => [v.name, v.value]));
    expect(limitedEnv).toMatchObject({
      [WORKER_ENV.maxHeight]: '720',
      [WORKER_ENV.maxBytes]: '50',
      [WORKER_ENV.maxDurationSeconds]: '30',
    });
  });

  it('clamps limits to the operator ceilings for an input that never went through the starter', () => {
    const hostile = buildContainerGroupSpec({
      ...INPUT,
      request: { ...INPUT.request, maxBytes: 50 * 1024 ** 3, maxDurationSeconds: 86_400 },
      settings: { ...SETTINGS, maxBytesLimit: 2000, maxDurationLimitSeconds: 900 },
    });
    expect(Object.fromEntries(envOf(hostile).map((v) => [v.name, v.value]))).toMatchObject({
      [WORKER_ENV.maxBytes]: '2000',
      [WORKER_ENV.maxDurationSeconds]: '900',
    });
  });

  it('hands the worker the egress policy, private sources refused unless configured', () => {
    const plain = (s: typeof spec) => Object.fromEntries(envOf(s).map((v) => [v.name, v.value]));
    expect(plain(spec)[WORKER_ENV.allowPrivateSources]).toBe('false');
    expect(plain(spec)[WORKER_ENV.allowedPrivateSources]).toBeUndefined();
    const onPremises = buildContainerGroupSpec({
      ...INPUT,
      settings: { ...SETTINGS, allowedPrivateSources: ['10.1.2.3:8081', '[fd00::5]:443'] },
    });
    expect(plain(onPremises)[WORKER_ENV.allowedPrivateSources]).toBe('10.1.2.3:8081,[fd00::5]:443');
  });

  it('asks for Spot priority when told to, and Regular otherwise', () => {
    expect(spec.priority).toBe('Regular');
    expect(buildContainerGroupSpec({ ...INPUT, priority: 'Spot' }).priority).toBe('Spot');
  });

  it('builds the same spec for the same input, so a retried create is an idempotent PUT', () => {
    expect(buildContainerGroupSpec(INPUT)).toEqual(spec);
  });

  it("hands the worker the source secrets vault as a plain URI and the job's cookies opt-out, never a secret value", () => {
    const vaultUri = 'https://kv-abc.vault.azure.net';
    const withVault = buildContainerGroupSpec({
      ...INPUT,
      settings: { ...SETTINGS, sourceSecretsVaultUri: vaultUri },
    });
    expect(envOf(withVault)).toContainEqual({ name: WORKER_ENV.sourceSecretsVaultUri, value: vaultUri });
    expect(envOf(withVault).some((v) => v.name === WORKER_ENV.useCookies)).toBe(false);
    const optedOut = buildContainerGroupSpec({
      ...INPUT,
      request: { ...INPUT.request, useCookies: false },
      settings: { ...SETTINGS, sourceSecretsVaultUri: vaultUri },
    });
    expect(envOf(optedOut)).toContainEqual({ name: WORKER_ENV.useCookies, value: 'false' });
    // Without a vault the worker is told nothing about one.
    expect(envOf(spec).some((v) => v.name === WORKER_ENV.sourceSecretsVaultUri)).toBe(false);
  });

  it("runs a playlist job's own group in list mode, bounded by maxItems, and any other job without it", () => {
    const listing = buildContainerGroupSpec({
      ...INPUT,
      request: { ...INPUT.request, preset: 'streaming', playlist: { maxItems: 40, concurrency: 3 } },
    });
    expect(envOf(listing)).toContainEqual({ name: WORKER_ENV.playlistMaxItems, value: '40' });
    // Listing makes no outputs, so it runs at the configured size, not at the streaming ladder's.
    expect(listing.containers[0]?.resources.requests).toEqual({
      cpu: SETTINGS.workerCpu,
      memoryInGB: SETTINGS.workerMemoryGb,
    });
    expect(envOf(spec).some((v) => v.name === WORKER_ENV.playlistMaxItems)).toBe(false);
  });
});
