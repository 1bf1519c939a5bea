import type { JobCustomStatus, JobSucceeded } from '../../src/shared/contracts.js';
import type { InstanceStatusBody } from '../durable/instanceStatusBody.js';

/** The durable status body as the public status endpoint returns it, with the job's custom status. */
export type OrchestrationStatus = InstanceStatusBody<JobCustomStatus | null>;

const FINAL = new Set(['Completed', 'Failed', 'Terminated']);

/**
 * Polls a statusQueryGetUri until the job reaches a final state, calling `onStatus` on every
 * answer; gives up after `timeoutMs` with an error that says where the job was.
 */
export async function waitForJob(
  statusQueryGetUri: string,
  options: { timeoutMs: number; intervalMs?: number; onStatus?: (status: OrchestrationStatus) => void },
): Promise<OrchestrationStatus> {
  const deadline = Date.now() + options.timeoutMs;
  let last: OrchestrationStatus | undefined;
  while (Date.now() < deadline) {
    const response = await fetch(statusQueryGetUri, { signal: AbortSignal.timeout(10_000) });
    if (response.status !== 200 && response.status !== 202)
      throw new Error(`Status query answered HTTP ${response.status}: ${await response.text()}`);
    last = (await response.json()) as OrchestrationStatus;
    options.onStatus?.(last);
    if (FINAL.has(last.runtimeStatus)) return last;
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 500));
  }
  throw new Error(
    `The job did not finish within ${Math.round(options.timeoutMs / 1000)} s (last status: ${last?.runtimeStatus ?? 'unknown'}, phase ${last?.customStatus?.phase ?? 'unknown'}).`,
  );
}

/** One line: phase, a bar when a percentage is known, and the detail. */
export function progressLine(status: OrchestrationStatus, width = 30): string {
  const custom = status.customStatus;
  const phase = custom?.phase ?? status.runtimeStatus;
  const percent = custom?.percent;
  const bar =
    percent === undefined
      ? ''
      : ` [${'#'.repeat(Math.round((percent / 100) * width)).padEnd(width, '.')}] ${percent.toFixed(0).padStart(3)}%`;
  return `${phase.padEnd(12)}${bar}${custom?.detail ? `  ${custom.detail}` : ''}`;
}

/** A human summary of a finished job's output. */
export function describeResult(result: JobSucceeded): string[] {
  const lines: string[] = [];
  for (const output of result.outputs) {
    lines.push(`Blob:      ${output.url}`);
    lines.push(
      `Size:      ${(output.bytes / 1024 / 1024).toFixed(2)} MiB (${output.bytes} bytes), sha256 ${output.sha256}`,
    );
  }
  const m = result.media;
  lines.push(
    `Media:     ${m.durationSeconds.toFixed(2)} s, ${m.width}x${m.height}, ${m.videoCodec}/${m.audioCodec ?? 'no audio'}, ${Math.round(m.bitrate / 1000)} kb/s`,
  );
  const t = result.timings;
  const fmt = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`);
  lines.push(
    `Timings:   download ${fmt(t.downloadMs)}, process ${fmt(t.processMs)}, upload ${fmt(t.uploadMs)}, worker total ${fmt(t.totalMs)}`,
  );
  return lines;
}
