import { describe, expect, it } from 'vitest';
import {
  buildContainerGroupSpec,
  type ContainerGroupSpecInput,
} from '../../src/app/aci/buildContainerGroupSpec.js';
import { jobContainerResources } from '../../src/app/aci/jobContainerResources.js';
import { WORKER_ENV } from '../../src/shared/workerEnvironment.js';

const base = { cpu: 1, memoryGb: 2 };

describe('jobContainerResources', () => {
  it('keeps the configured size for a remux and grows with the ladder, within ACI limits', () => {
    expect(jobContainerResources([{ kind: 'mp4' }], base)).toEqual({ cpu: 1, memoryInGB: 2 });
    expect(jobContainerResources([{ kind: 'audio' }, { kind: 'thumbnail' }], base)).toEqual({
      cpu: 1,
      memoryInGB: 2,
    });
    const small = jobContainerResources([{ kind: 'hls', heights: [720, 360] }], base);
    const full = jobContainerResources([{ kind: 'hls' }, { kind: 'dash' }], base);
    expect(small.cpu).toBeGreaterThan(1);
    expect(full.cpu).toBeGreaterThan(small.cpu);
    expect(full.memoryInGB).toBeGreaterThan(small.memoryInGB);
    expect(
      jobContainerResources([{ kind: 'hls', heights: [2160, 1440, 1080] }], { cpu: 3, memoryGb: 14 }),
    ).toEqual({
      cpu: 4,
      memoryInGB: 16,
    });
    expect(jobContainerResources([{ kind: 'frames' }], base).cpu).toBe(1.5);
  });

  it('sizes the container group of a streaming job and passes its outputs to the worker', () => {
    const input = {
      instanceId: 'job-1',
      request: { url: 'https://media.example.com/a.mp4', preset: 'streaming' },
      outputBlobName: 'job-1.mp4',
      priority: 'Regular',
      createdAt: '2026-03-01T10:00:00.000Z',
      callbackToken: 'tok_0123456789abcdef0123456789',
      settings: {
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
      },
    } satisfies ContainerGroupSpecInput;
    const streaming = buildContainerGroupSpec(input).containers[0]!;
    expect(streaming.resources.requests).toEqual({ cpu: 4, memoryInGB: 4 });
    const outputs = streaming.environmentVariables?.find((e) => e.name === WORKER_ENV.outputs)?.value;
    expect(JSON.parse(outputs ?? '[]')).toEqual([
      { kind: 'hls' },
      { kind: 'thumbnail' },
      { kind: 'storyboard' },
    ]);

    const plain = buildContainerGroupSpec({ ...input, request: { url: input.request.url } }).containers[0]!;
    expect(plain.resources.requests).toEqual({ cpu: 1, memoryInGB: 2 });
    expect(plain.environmentVariables?.some((e) => e.name === WORKER_ENV.outputs)).toBe(false);
  });
});
