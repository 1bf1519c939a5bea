import { join } from 'node:path';
import type { MediaFacts } from '../shared/contracts.js';
import { probeMedia, type ProbeResult } from './probeMedia.js';
import { ffmpegLocalInput, runFfmpegWithProgress } from './localMediaInput.js';
import { WorkerError } from './WorkerError.js';
import type { WorkerStepOptions } from './workerStep.js';

export interface NormaliseOptions extends WorkerStepOptions {
  input: string;
  workDir: string;
  ffmpegPath: string;
  ffprobePath: string;
  maxDurationSeconds: number;
}

export interface NormalisedMedia {
  path: string;
  media: MediaFacts;
  transcoded: boolean;
}

/**
 * Streams every browser plays as they are: 8-bit 4:2:0 H.264 and AAC (or no audio). Such a download
 * only needs remuxing into MP4, whatever container it came in (MP4, MPEG-TS from HLS, Matroska).
 */
export function hasPlayableCodecs(probe: ProbeResult): boolean {
  return (
    probe.video?.codec_name === 'h264' &&
    ['yuv420p', 'yuvj420p'].includes(probe.video.pix_fmt ?? '') &&
    (probe.audio === undefined || probe.audio.codec_name === 'aac')
  );
}

/**
 * Produces an MP4 with H.264/AAC and the index (`moov`) at the front, so playback can start before
 * the whole file arrives. Files already in those codecs are only remuxed, which takes a moment;
 * anything else is transcoded.
 */
export async function normaliseMedia(options: NormaliseOptions): Promise<NormalisedMedia> {
  const source = await probeMedia(options.ffprobePath, options.input, options.signal);
  if (!source.video)
    throw new WorkerError('UNSUPPORTED_URL', 'The downloaded file has no video stream.', {
      retryable: false,
    });
  if (source.durationSeconds > options.maxDurationSeconds)
    throw new WorkerError(
      'TOO_LONG',
      `The media lasts ${Math.round(source.durationSeconds)} s, longer than the limit of ${options.maxDurationSeconds} s.`,
    );

  const transcode = !hasPlayableCodecs(source);
  const output = join(options.workDir, 'output.mp4');
  const codecArgs = transcode
    ? [
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-crf',
        '23',
        '-pix_fmt',
        'yuv420p',
        '-c:a',
        'aac',
        '-b:a',
        '128k',
      ]
    : ['-c', 'copy'];
  options.log(
    transcode
      ? `transcoding ${source.video.codec_name}/${source.audio?.codec_name ?? 'no audio'} to H.264/AAC`
      : 'remuxing with faststart',
  );
  const args = [
    ...ffmpegLocalInput(options.input),
    '-map',
    '0:v:0',
    '-map',
    '0:a:0?',
    ...codecArgs,
    '-movflags',
    '+faststart',
    '-progress',
    'pipe:1',
    '-nostats',
    '-f',
    'mp4',
    output,
  ];
  await runFfmpegWithProgress(options.ffmpegPath, args, {
    signal: options.signal,
    durationSeconds: source.durationSeconds,
    onFraction: (fraction) =>
      options.onProgress({ phase: 'Processing', percent: Math.round(fraction * 1000) / 10 }),
    failure: 'ffmpeg could not convert the media to H.264/AAC MP4',
  });

  const result = await probeMedia(options.ffprobePath, output, options.signal);
  if (result.video?.codec_name !== 'h264')
    throw new WorkerError('TRANSCODE_FAILED', 'The converted file has no H.264 video stream.');
  return {
    path: output,
    transcoded: transcode,
    media: {
      durationSeconds: result.durationSeconds,
      width: result.video.width ?? 0,
      height: result.video.height ?? 0,
      videoCodec: result.video.codec_name,
      audioCodec: result.audio?.codec_name ?? null,
      bitrate: result.bitrate,
    },
  };
}
