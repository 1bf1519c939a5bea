import { describe, expect, it } from 'vitest';
import { buildContainerGroupSpec } from '../../src/app/aci/buildContainerGroupSpec.js';
import { jobContainerResources } from '../../src/app/aci/jobContainerResources.js';
import { WORKER_ENV } from '../../src/shared/workerEnvironment.js';
import { streamingSpecInput } from './support/streamingSpecInput.js';

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
    const input = streamingSpecInput({});
    const streaming = buildContainerGroupSpec(input).containers[0]!;
    expect(streaming.resources.requests).toEqual({ cpu: 4, memoryInGB: 4 });
    const outputs = streaming.environmentVariables?.find((e) => e.name === WORKER_ENV.outputs)?.value;
    expect(JSON.parse(outputs ?? '[]')).toEqual([
      { kind: 'hls' },
      { kind: 'thumbnail' },
      { kind: 'storyboard' },
    ]);

    const plain = buildContainerGroupSpec({ ...input, request: { url: 'https://media.example.com/a.mp4' } })
      .containers[0]!;
    expect(plain.resources.requests).toEqual({ cpu: 1, memoryInGB: 2 });
    expect(plain.environmentVariables?.some((e) => e.name === WORKER_ENV.outputs)).toBe(false);
  });
});
