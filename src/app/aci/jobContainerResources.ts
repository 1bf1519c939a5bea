import { DEFAULT_LADDER_HEIGHTS, type OutputSpec } from '../../shared/outputSpecs.js';

/** Most a standard Linux container group in most regions may request: the default caps. */
export const ACI_MAX_CPU = 4;
export const ACI_MAX_MEMORY_GB = 16;

/** The configured size (WORKER_CPU, WORKER_MEMORY_GB) and the caps (JOB_MAX_CPU, JOB_MAX_MEMORY_GB). */
export interface ContainerSizeSettings {
  cpu: number;
  memoryGb: number;
  maxCpu?: number;
  maxMemoryGb?: number;
}

export interface ContainerResources {
  cpu: number;
  memoryInGB: number;
}

const roundUpToHalf = (n: number) => Math.ceil(n * 2) / 2;

/**
 * The container size for a job's outputs. The configured size (WORKER_CPU, WORKER_MEMORY_GB) is what
 * a remux or a single encode needs; a ladder encodes every rung at once, so it gets more cores and
 * memory in proportion to the pixels of its rungs (1080p counting 2 cores), and decoding for frames
 * or a storyboard half a core more. Never smaller than configured, never above the caps (by
 * default ACI's standard limits), so an operator bounds what one job may cost.
 */
export function jobContainerResources(
  outputs: readonly OutputSpec[],
  base: ContainerSizeSettings,
): ContainerResources {
  const maxCpu = base.maxCpu ?? ACI_MAX_CPU;
  const maxMemoryGb = base.maxMemoryGb ?? ACI_MAX_MEMORY_GB;
  let extraCpu = 0;
  let extraMemoryGb = 0;
  const ladder = outputs.find((o) => o.kind === 'hls') ?? outputs.find((o) => o.kind === 'dash');
  if (ladder && (ladder.kind === 'hls' || ladder.kind === 'dash')) {
    const heights = ladder.heights ?? DEFAULT_LADDER_HEIGHTS;
    extraCpu += heights.reduce((sum, h) => sum + 2 * (h / 1080) ** 2, 0);
    extraMemoryGb += heights.reduce((sum, h) => sum + 0.5 * Math.max(1, (h / 1080) ** 2), 0);
  }
  if (outputs.some((o) => o.kind === 'frames' || o.kind === 'storyboard')) extraCpu += 0.5;
  return {
    cpu: Math.min(maxCpu, Math.max(base.cpu, roundUpToHalf(base.cpu + extraCpu - (ladder ? 1 : 0)))),
    memoryInGB: Math.min(maxMemoryGb, roundUpToHalf(base.memoryGb + extraMemoryGb)),
  };
}
