// Media outputs benchmark: an HLS ladder made with one decode (`split`) against the same rungs as
// separate ffmpeg runs, and the processing time of the `streaming` preset against a plain MP4, all
// on the same generated 1080p clip in one run.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OUTPUT_PRESETS, type OutputSpec } from '../src/shared/outputSpecs.js';
import { probeMedia } from '../src/worker/probeMedia.js';
import { ffmpegPlanArguments } from '../src/worker/outputs/ffmpegPlanArguments.js';
import { planOutputs } from '../src/worker/outputs/planOutputs.js';
import { produceOutputs } from '../src/worker/outputs/produceOutputs.js';
import { runFfmpegPlan } from '../src/worker/outputs/runFfmpegPlan.js';

const run = promisify(execFile);
const SECONDS = Number(process.env.OUTPUTS_BENCH_SECONDS ?? 20);
const HEIGHTS = [1080, 720, 360];
/** One decode must save at least this share of the separate runs' time. */
const REQUIRED_SAVING = 0.1;

const dir = mkdtempSync(join(tmpdir(), 'mediaferry-outputs-bench-'));
const signal = new AbortController().signal;
const quiet = () => undefined;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function ladder(input: string, heights: number[], out: string): Promise<void> {
  const source = await probeMedia('ffprobe', input, signal);
  const plan = planOutputs([{ kind: 'hls', heights, segmentSeconds: 6 }], source);
  for (const rung of plan.ladder!.rungs) mkdirSync(join(out, 'hls', rung.name), { recursive: true });
  mkdirSync(join(out, 'hls', 'audio'), { recursive: true });
  const runs = ffmpegPlanArguments(plan, input, out, join(out, 'frames'));
  await runFfmpegPlan({
    ffmpegPath: 'ffmpeg',
    runs,
    durationSeconds: SECONDS,
    signal,
    onProgress: quiet,
    log: quiet,
  });
}

async function produce(input: string, specs: readonly OutputSpec[], name: string): Promise<void> {
  const workDir = join(dir, name);
  mkdirSync(workDir);
  await produceOutputs({
    input,
    workDir,
    specs,
    ffmpegPath: 'ffmpeg',
    ffprobePath: 'ffprobe',
    maxDurationSeconds: 3600,
    signal,
    onProgress: quiet,
    log: quiet,
  });
}

try {
  const input = join(dir, 'source-1080p.mp4');
  console.log(`generating a ${SECONDS} s 1080p30 H.264/AAC clip…`);
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=30:duration=${SECONDS}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${SECONDS}`],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '60', '-c:a', 'aac', input],
  ]);

  const oneDecode = await timed(() => ladder(input, HEIGHTS, join(dir, 'one-decode')));
  let separate = 0;
  for (const height of HEIGHTS)
    separate += await timed(() => ladder(input, [height], join(dir, `rung-${height}`)));
  const mp4 = await timed(() => produce(input, [{ kind: 'mp4' }], 'mp4'));
  const streaming = await timed(() => produce(input, OUTPUT_PRESETS.streaming, 'streaming'));

  const saving = 1 - oneDecode / separate;
  console.log(`\nHLS ladder ${HEIGHTS.join('/')} on a ${SECONDS} s 1080p clip:`);
  console.log(`  one decode (split)      ${secs(oneDecode)}`);
  console.log(`  separate runs per rung  ${secs(separate)}`);
  console.log(
    `  ratio one/separate      ${(oneDecode / separate).toFixed(2)} (${(saving * 100).toFixed(1)} % faster; required ≥ ${REQUIRED_SAVING * 100} %)`,
  );
  console.log(`\nProcessing time per preset, same source:`);
  console.log(`  mp4 (remux)             ${secs(mp4)}`);
  console.log(`  streaming               ${secs(streaming)}  (${(streaming / mp4).toFixed(0)}× mp4)`);
  if (saving < REQUIRED_SAVING) {
    console.log(
      `\nFAIL: one decode saved ${(saving * 100).toFixed(1)} %, less than ${REQUIRED_SAVING * 100} %`,
    );
    process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
