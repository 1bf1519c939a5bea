import {
  DEFAULT_LADDER_HEIGHTS,
  type LadderRung,
  MAX_FRAME_COUNT,
  MAX_STORYBOARD_TILES,
  type OutputSpec,
  type OutputSpecOf,
} from '../../shared/outputSpecs.js';
import type { ProbeResult } from '../probeMedia.js';
import { hasPlayableCodecs } from '../normaliseMedia.js';
import { WorkerError } from '../WorkerError.js';

export interface LadderPlan {
  rungs: LadderRung[];
  segmentSeconds: number;
  hls: boolean;
  dash: boolean;
  /** Folder (under the work dir and the blob prefix) holding the manifests and segments. */
  dir: 'hls' | 'dash' | 'cmaf';
}

export interface StoryboardPlan {
  everySeconds: number;
  count: number;
  columns: number;
  rows: number;
  tileWidth: number;
  tileHeight: number;
}

/** Everything the job's ffmpeg work needs, decided once from the probed source. */
export interface OutputPlan {
  durationSeconds: number;
  hasAudio: boolean;
  ladder?: LadderPlan;
  /** `copy` when the source is already H.264/AAC and only needs remuxing. */
  mp4?: { copy: boolean };
  thumbnail?: { atSeconds: number; width: number; height: number };
  storyboard?: StoryboardPlan;
  frames?: { everySeconds: number; maxCount: number; width: number | undefined };
  audio?: { format: 'm4a' | 'mp3'; copy: boolean };
  subtitles?: { languages: string[] | undefined };
}

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

/** Rough bits per pixel per frame at 30 fps, enough for a clean H.264 picture at each rung. */
const BITS_PER_PIXEL = 0.1;

/** Rung bitrate from its pixel count, so every rung gets a declared BANDWIDTH. */
export function rungBandwidth(width: number, height: number): number {
  return Math.max(150_000, Math.round((width * height * 30 * BITS_PER_PIXEL) / 1000) * 1000);
}

/**
 * The rungs of a ladder for a source: rungs above the source are dropped (never upscaled), and the
 * source's own size becomes the top rung when it is below the first one asked for. "Height" is the
 * short side, so a 720x1280 portrait video is a 720p rung, as players label it.
 */
export function ladderRungs(
  heights: readonly number[],
  sourceWidth: number,
  sourceHeight: number,
): LadderRung[] {
  const portrait = sourceHeight > sourceWidth;
  const short = portrait ? sourceWidth : sourceHeight;
  const long = portrait ? sourceHeight : sourceWidth;
  const sorted = [...new Set(heights)].sort((a, b) => b - a);
  const kept = sorted.filter((h) => h <= short);
  const sourceRung = short % 2 === 0 ? short : short - 1;
  if ((sorted[0] ?? 0) > short && !kept.includes(sourceRung)) kept.unshift(sourceRung);
  return kept.map((rung) => {
    const other = even((long * rung) / short);
    const width = portrait ? rung : other;
    const height = portrait ? other : rung;
    return { name: `${rung}p`, width, height, bandwidth: rungBandwidth(width, height) };
  });
}

function scaledSize(sourceWidth: number, sourceHeight: number, width: number): [number, number] {
  const w = even(Math.min(width, sourceWidth));
  return [w, even((sourceHeight * w) / sourceWidth)];
}

function find<K extends OutputSpec['kind']>(specs: readonly OutputSpec[], kind: K) {
  return specs.find((s): s is OutputSpecOf<K> => s.kind === kind);
}

/** Decides what to make for each output spec from the probed source; refuses what cannot be made. */
export function planOutputs(specs: readonly OutputSpec[], source: ProbeResult): OutputPlan {
  const duration = source.durationSeconds;
  const width = source.video?.width ?? 0;
  const height = source.video?.height ?? 0;
  const plan: OutputPlan = { durationSeconds: duration, hasAudio: source.audio !== undefined };
  const needsVideo = specs.some((s) => !['audio', 'subtitles'].includes(s.kind));
  if (needsVideo && (!source.video || width <= 0 || height <= 0))
    throw new WorkerError('UNSUPPORTED_URL', 'The downloaded file has no video stream.', {
      retryable: false,
    });

  const hls = find(specs, 'hls');
  const dash = find(specs, 'dash');
  const ladderSpec = hls ?? dash;
  if (ladderSpec) {
    // When both are asked for, the HLS spec's options win; one segment set serves both manifests.
    plan.ladder = {
      rungs: ladderRungs(ladderSpec.heights ?? DEFAULT_LADDER_HEIGHTS, width, height),
      segmentSeconds: ladderSpec.segmentSeconds ?? 6,
      hls: hls !== undefined,
      dash: dash !== undefined,
      dir: hls && dash ? 'cmaf' : hls ? 'hls' : 'dash',
    };
  }
  if (find(specs, 'mp4')) plan.mp4 = { copy: hasPlayableCodecs(source) };

  const thumbnail = find(specs, 'thumbnail');
  if (thumbnail) {
    const [w, h] = scaledSize(width, height, thumbnail.width ?? 1280);
    const at = thumbnail.atSeconds ?? duration * 0.1;
    // A time past the end still gives a picture: the last moment with a frame.
    plan.thumbnail = { atSeconds: Math.max(0, Math.min(at, duration - 0.1)), width: w, height: h };
  }

  const storyboard = find(specs, 'storyboard');
  if (storyboard) {
    const minEvery = Math.ceil((duration / MAX_STORYBOARD_TILES) * 10) / 10;
    const every = Math.max(storyboard.everySeconds ?? Math.max(1, minEvery), minEvery, 0.1);
    const count = Math.max(1, Math.min(MAX_STORYBOARD_TILES, Math.ceil(duration / every - 1e-6)));
    const columns = Math.min(10, count);
    const [tileWidth, tileHeight] = scaledSize(width, height, storyboard.tileWidth ?? 160);
    plan.storyboard = {
      everySeconds: every,
      count,
      columns,
      rows: Math.ceil(count / columns),
      tileWidth,
      tileHeight,
    };
  }

  const frames = find(specs, 'frames');
  if (frames) {
    const every = frames.count ? Math.max(duration / frames.count, 0.001) : (frames.everySeconds ?? 1);
    const expected = Math.ceil(duration / every - 1e-6);
    if (!frames.count && expected > MAX_FRAME_COUNT)
      throw new WorkerError(
        'TOO_MANY_FRAMES',
        `One frame every ${every} s over ${Math.round(duration)} s is ${expected} frames, more than the limit of ${MAX_FRAME_COUNT}; ask for a larger everySeconds or a count.`,
      );
    plan.frames = {
      everySeconds: every,
      maxCount: Math.max(1, Math.min(frames.count ?? expected, MAX_FRAME_COUNT)),
      width: frames.width === undefined ? undefined : scaledSize(width, height, frames.width)[0],
    };
  }

  const audio = find(specs, 'audio');
  if (audio) {
    if (!source.audio)
      throw new WorkerError('NO_AUDIO', 'An audio output was asked for, but the source has no audio stream.');
    const format = audio.format ?? 'm4a';
    plan.audio = { format, copy: format === 'm4a' && source.audio.codec_name === 'aac' };
  }

  const subtitles = find(specs, 'subtitles');
  if (subtitles) plan.subtitles = { languages: subtitles.languages };
  return plan;
}
