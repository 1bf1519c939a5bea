import type { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAciEmulator, type RunningAciEmulator } from '../../../emulator/aci/startAciEmulator.js';
import { ensureLocalCertificate } from '../../../emulator/certs/localCertificate.js';
import {
  buildContainerGroupSpec,
  type ContainerGroupSettings,
  type ContainerGroupSpecInput,
} from '../../../src/app/aci/buildContainerGroupSpec.js';
import { createAciClient } from '../../../src/app/aci/createAciClient.js';
import { loadConfig } from '../../../src/app/config.js';
import { ConfigError } from '../../../src/app/errors/ConfigError.js';
import { WORKER_ENV } from '../../../src/shared/workerEnvironment.js';
import { useTempDir } from '../../support/useTempDir.js';
import { validAppSettings } from '../support/appSettings.js';
import { testContainerGroupSettings } from '../support/testContainerGroupSettings.js';
import { urlJobSpecInput } from '../support/streamingSpecInput.js';

const SUBSCRIPTION = '00000000-0000-4000-8000-0000000005b1';
const IDENTITY = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-jobs/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-worker`;
const SUBNET = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-jobs/subnets/snet-jobs`;
const SETTINGS = testContainerGroupSettings({
  workerImage: 'registry.local/worker:1.0.0',
  workerIdentityResourceId: IDENTITY,
  workerIdentityClientId: 'client-id-worker',
  mediaBlobEndpoint: 'https://acct.blob.core.windows.net',
  defaultMaxBytes: 1000,
  callbackBaseUrl: 'https://app.azurewebsites.net',
});
const INPUT: ContainerGroupSpecInput = urlJobSpecInput(
  'job-subnet',
  'https://media.example.com/a.webm',
  SETTINGS,
);

describe('JOB_SUBNET_ID', () => {
  it('is read as a subnet resource id, and an empty value means no subnet', () => {
    expect(loadConfig(validAppSettings({ JOB_SUBNET_ID: SUBNET })).jobSubnetId).toBe(SUBNET);
    expect(loadConfig(validAppSettings({ JOB_SUBNET_ID: '' })).jobSubnetId).toBeUndefined();
    expect(loadConfig(validAppSettings()).jobSubnetId).toBeUndefined();
  });

  it('refuses a value that is not a subnet resource id, naming the setting', () => {
    const read = () => loadConfig(validAppSettings({ JOB_SUBNET_ID: '/subscriptions/x/resourceGroups/y' }));
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(/JOB_SUBNET_ID/);
  });
});

describe('the container group spec on a subnet', () => {
  it('joins the configured subnet', () => {
    const spec = buildContainerGroupSpec({ ...INPUT, settings: { ...SETTINGS, jobSubnetId: SUBNET } });
    expect(spec.subnetIds).toEqual([{ id: SUBNET }]);
  });

  it('joins no subnet when none is configured', () => {
    expect(buildContainerGroupSpec(INPUT).subnetIds).toBeUndefined();
    expect('subnetIds' in buildContainerGroupSpec(INPUT)).toBe(false);
  });

  it('tells the worker that private sources are allowed only when the app allows them', () => {
    const names = (settings: ContainerGroupSettings) =>
      buildContainerGroupSpec({ ...INPUT, settings }).containers[0]?.environmentVariables?.find(
        (e) => e.name === WORKER_ENV.allowPrivateSources,
      );
    // Always set, so a worker never falls back to a default: unset is refused, too.
    expect(names(SETTINGS)?.value).toBe('false');
    expect(names({ ...SETTINGS, allowPrivateSources: false })?.value).toBe('false');
    expect(names({ ...SETTINGS, allowPrivateSources: true })).toEqual({
      name: WORKER_ENV.allowPrivateSources,
      value: 'true',
    });
  });
});

describe('subnetIds through the ARM client on the ACI emulator', () => {
  const dataDir = useTempDir('mf-subnet-');
  let emulator: RunningAciEmulator;
  let aci: ContainerInstanceManagementClient;

  beforeAll(async () => {
    const certificate = ensureLocalCertificate(dataDir);
    emulator = await startAciEmulator({
      certificate,
      // An image with no local command: provisioning fails later, the create itself is what is tested.
      images: {},
      identities: [{ clientId: SETTINGS.workerIdentityClientId, resourceId: IDENTITY }],
    });
    const credential = {
      getToken: async () => ({ token: 'local-test-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
    };
    aci = createAciClient(
      { subscriptionId: SUBSCRIPTION, armEndpoint: emulator.endpoint, appIdentityClientId: undefined },
      { credential, trustedCa: certificate.cert },
    );
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it('accepts a group on a subnet and returns its subnetIds', async () => {
    const spec = buildContainerGroupSpec({ ...INPUT, settings: { ...SETTINGS, jobSubnetId: SUBNET } });
    await aci.containerGroups.beginCreateOrUpdate('rg-jobs', 'mf-job-subnet', spec);
    const group = await aci.containerGroups.get('rg-jobs', 'mf-job-subnet');
    expect(group.subnetIds).toEqual([{ id: SUBNET }]);
  });

  it('refuses a malformed subnet id as ARM does, with LinkedInvalidPropertyId', async () => {
    const spec = buildContainerGroupSpec({
      ...INPUT,
      settings: { ...SETTINGS, jobSubnetId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-net/vnet` },
    });
    const refusal = await aci.containerGroups
      .beginCreateOrUpdate('rg-jobs', 'mf-job-bad-subnet', spec)
      .then(() => undefined)
      .catch((e: { statusCode?: number; code?: string; message?: string }) => e);
    expect(refusal).toMatchObject({ statusCode: 400, code: 'LinkedInvalidPropertyId' });
    expect(refusal?.message).toContain('properties.subnetIds[0].id');
  });
});
