import { describe, expect, it } from 'vitest';
import { buildContainerGroupSpec } from '../../src/app/aci/buildContainerGroupSpec.js';
import { jobContainerResources } from '../../src/app/aci/jobContainerResources.js';
import { loadConfig } from '../../src/app/config.js';
import { ConfigError } from '../../src/app/errors/ConfigError.js';
import { validAppSettings } from './support/appSettings.js';
import { streamingSpecInput } from './support/streamingSpecInput.js';

describe('job container size bounded by JOB_MAX_CPU and JOB_MAX_MEMORY_GB', () => {
  it('defaults the caps to ACI standard limits and refuses a cap below the base size', () => {
    const config = loadConfig(validAppSettings({}));
    expect(config).toMatchObject({ jobMaxCpu: 4, jobMaxMemoryGb: 16 });
    expect(loadConfig(validAppSettings({ JOB_MAX_CPU: '2.5', JOB_MAX_MEMORY_GB: '3' }))).toMatchObject({
      jobMaxCpu: 2.5,
      jobMaxMemoryGb: 3,
    });

    let problems: { setting: string; message: string }[] = [];
    try {
      loadConfig(
        validAppSettings({
          WORKER_CPU: '2',
          JOB_MAX_CPU: '1',
          WORKER_MEMORY_GB: '4',
          JOB_MAX_MEMORY_GB: 'x',
        }),
      );
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      problems = (error as ConfigError).problems;
    }
    expect(problems.map((p) => p.setting).sort()).toEqual(['JOB_MAX_MEMORY_GB', 'WORKER_CPU']);
    expect(problems.find((p) => p.setting === 'WORKER_CPU')?.message).toMatch(/JOB_MAX_CPU \(1\)/);
  });

  it('caps what a streaming job requests, and never shrinks a job below the base size', () => {
    expect(buildContainerGroupSpec(streamingSpecInput({})).containers[0]?.resources.requests).toEqual({
      cpu: 4,
      memoryInGB: 4,
    });
    const capped = buildContainerGroupSpec(streamingSpecInput({ jobMaxCpu: 2, jobMaxMemoryGb: 3 }));
    expect(capped.containers[0]?.resources.requests).toEqual({ cpu: 2, memoryInGB: 3 });

    const remux = jobContainerResources([{ kind: 'mp4' }], {
      cpu: 1,
      memoryGb: 2,
      maxCpu: 1,
      maxMemoryGb: 2,
    });
    expect(remux).toEqual({ cpu: 1, memoryInGB: 2 });
    const ladder = jobContainerResources([{ kind: 'hls' }, { kind: 'frames' }], {
      cpu: 1,
      memoryGb: 2,
      maxCpu: 1.5,
      maxMemoryGb: 2.5,
    });
    expect(ladder).toEqual({ cpu: 1.5, memoryInGB: 2.5 });
  });
});
