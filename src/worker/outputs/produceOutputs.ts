import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { JobOutput, MediaFacts } from '../../shared/contracts.js';
import type { MissingOutput, OutputKind, OutputSpec } from '../../shared/outputSpecs.js';
import { probeMedia } from '../probeMedia.js';
import { WorkerError } from '../WorkerError.js';
import { buildStoryboardTrack } from './buildStoryboard.js';
import type { SiteSubtitle } from '../downloadMedia.js';
import { extractSubtitles } from './extractSubtitles.js';
import { mergeSiteSubtitles } from './mergeSiteSubtitles.js';
import { FRAMES_DIR, OUTPUT_FILES, ffmpegPlanArguments } from './ffmpegPlanArguments.js';
import { planOutputs, type OutputPlan } from './planOutputs.js';
import { runFfmpegPlan } from './runFfmpegPlan.js';
import { zipFrames } from './zipFrames.js';
import type { WorkerStepOptions } from '../workerStep.js';

/** One file to upload, by its path relative to the output folder (which is also its blob suffix). */
export interface OutputFile {
  path: string;
  bytes: number;
}

/** One requested output: its files, the main one first, and the facts its result entry carries. */
export interface ProducedOutput {
  kind: OutputKind;
  /** Relative path of the main file (manifest, ZIP, sprite, ...). */
  main: string;
  files: OutputFile[];
  facts: Omit<JobOutput, 'blobName' | 'url' | 'contentType' | 'bytes' | 'sha256' | 'kind' | 'files'>;
}

export interface ProduceOptions extends WorkerStepOptions {
  input: string;
  workDir: string;
  specs: readonly OutputSpec[];
  ffmpegPath: string;
  ffprobePath: string;
  /** Subtitle files yt-dlp fetched from the site; they win over embedded tracks of the same language. */
  siteSubtitles?: readonly SiteSubtitle[];
  maxDurationSeconds: number;
}

export interface ProducedOutputs {
  outDir: string;
  plan: OutputPlan;
  outputs: ProducedOutput[];
  missing: MissingOutput[];
  media: MediaFacts;
}

function filesUnder(root: string, dir: string): OutputFile[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? filesUnder(root, join(dir, entry.name))
        : [{ path: relative(root, join(dir, entry.name)), bytes: statSync(join(dir, entry.name)).size }],
    )
    .sort((a, b) => a.path.localeCompare(b.path));
}

function fileAt(outDir: string, path: string): OutputFile {
  try {
    return { path, bytes: statSync(join(outDir, path)).size };
  } catch {
    throw new WorkerError('TRANSCODE_FAILED', `ffmpeg finished but did not write ${path}.`);
  }
}

/**
 * Makes every requested output of a job from the downloaded file: probe, plan, one ffmpeg decode for
 * everything that needs pictures, then the ZIP and the storyboard track. Files land in `outDir` at
 * the paths their blobs will have under the job's prefix.
 */
export async function produceOutputs(options: ProduceOptions): Promise<ProducedOutputs> {
  const source = await probeMedia(options.ffprobePath, options.input, options.signal);
  if (source.durationSeconds > options.maxDurationSeconds)
    throw new WorkerError(
      'TOO_LONG',
      `The media lasts ${Math.round(source.durationSeconds)} s, longer than the limit of ${options.maxDurationSeconds} s.`,
    );
  const plan = planOutputs(options.specs, source);
  const outDir = join(options.workDir, 'out');
  const framesDir = join(options.workDir, FRAMES_DIR);
  mkdirSync(outDir, { recursive: true });
  if (plan.frames) mkdirSync(framesDir, { recursive: true });
  if (plan.ladder) {
    mkdirSync(join(outDir, plan.ladder.dir), { recursive: true });
    // The HLS muxer does not create the per-variant folders named by %v.
    if (!plan.ladder.dash)
      for (const name of [...plan.ladder.rungs.map((r) => r.name), ...(plan.hasAudio ? ['audio'] : [])])
        mkdirSync(join(outDir, plan.ladder.dir, name), { recursive: true });
  }

  const runs = ffmpegPlanArguments(plan, options.input, outDir, framesDir);
  await runFfmpegPlan({
    ffmpegPath: options.ffmpegPath,
    runs,
    durationSeconds: source.durationSeconds,
    signal: options.signal,
    onProgress: options.onProgress,
    log: options.log,
  });

  const outputs: ProducedOutput[] = [];
  const missing: MissingOutput[] = [];
  for (const spec of options.specs) {
    switch (spec.kind) {
      case 'mp4':
        outputs.push({
          kind: 'mp4',
          main: OUTPUT_FILES.mp4,
          files: [fileAt(outDir, OUTPUT_FILES.mp4)],
          facts: {},
        });
        break;
      case 'hls':
      case 'dash': {
        const ladder = plan.ladder!;
        const all = filesUnder(outDir, join(outDir, ladder.dir));
        const main = `${ladder.dir}/${spec.kind === 'hls' ? OUTPUT_FILES.hlsMaster : OUTPUT_FILES.dashManifest}`;
        fileAt(outDir, main);
        // With both, the shared segments are counted (and uploaded) once, under the HLS entry.
        const files =
          ladder.hls && ladder.dash
            ? all.filter((f) => (spec.kind === 'dash' ? f.path === main : !f.path.endsWith('.mpd')))
            : all;
        outputs.push({
          kind: spec.kind,
          main,
          files: [files.find((f) => f.path === main)!, ...files.filter((f) => f.path !== main)],
          facts: { rungs: ladder.rungs, segmentSeconds: ladder.segmentSeconds },
        });
        break;
      }
      case 'thumbnail':
        outputs.push({
          kind: 'thumbnail',
          main: OUTPUT_FILES.thumbnail,
          files: [fileAt(outDir, OUTPUT_FILES.thumbnail)],
          facts: { width: plan.thumbnail!.width, height: plan.thumbnail!.height },
        });
        break;
      case 'storyboard': {
        const s = plan.storyboard!;
        writeFileSync(
          join(outDir, OUTPUT_FILES.storyboardTrack),
          buildStoryboardTrack(s, source.durationSeconds, OUTPUT_FILES.storyboardImage),
        );
        outputs.push({
          kind: 'storyboard',
          main: OUTPUT_FILES.storyboardImage,
          files: [fileAt(outDir, OUTPUT_FILES.storyboardImage), fileAt(outDir, OUTPUT_FILES.storyboardTrack)],
          facts: {
            width: s.tileWidth * s.columns,
            height: s.tileHeight * s.rows,
            tile: {
              width: s.tileWidth,
              height: s.tileHeight,
              columns: s.columns,
              rows: s.rows,
              count: s.count,
              everySeconds: s.everySeconds,
            },
          },
        });
        break;
      }
      case 'frames': {
        const zipPath = join(outDir, OUTPUT_FILES.framesZip);
        const frameCount = await zipFrames(framesDir, zipPath, options.signal);
        outputs.push({
          kind: 'frames',
          main: OUTPUT_FILES.framesZip,
          files: [fileAt(outDir, OUTPUT_FILES.framesZip)],
          facts: { frameCount },
        });
        break;
      }
      case 'audio': {
        const name = `audio.${plan.audio!.format}`;
        outputs.push({
          kind: 'audio',
          main: name,
          files: [fileAt(outDir, name)],
          facts: { format: plan.audio!.format },
        });
        break;
      }
      case 'subtitles': {
        const embedded = await extractSubtitles({
          ffmpegPath: options.ffmpegPath,
          ffprobePath: options.ffprobePath,
          input: options.input,
          outDir,
          languages: plan.subtitles?.languages,
          signal: options.signal,
        });
        const found = mergeSiteSubtitles(outDir, embedded, options.siteSubtitles ?? []);
        if (found.length === 0) {
          missing.push({
            kind: 'subtitles',
            message: plan.subtitles?.languages
              ? `The source has no subtitles in ${plan.subtitles.languages.join(', ')}.`
              : 'The source has no subtitles.',
          });
          break;
        }
        outputs.push({
          kind: 'subtitles',
          main: found[0]!.path,
          files: found.map((f) => ({ path: f.path, bytes: f.bytes })),
          facts: { languages: found.map((f) => f.language) },
        });
        break;
      }
    }
  }
  return {
    outDir,
    plan,
    outputs,
    missing,
    media: {
      durationSeconds: source.durationSeconds,
      width: source.video?.width ?? 0,
      height: source.video?.height ?? 0,
      videoCodec: source.video?.codec_name ?? 'none',
      audioCodec: source.audio?.codec_name ?? null,
      bitrate: source.bitrate,
    },
  };
}
