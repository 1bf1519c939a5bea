import { ffprobeJson, networkReferenceRefused } from './localMediaInput.js';
import { WorkerError } from './WorkerError.js';

export interface ProbedStream {
  codec_type?: string;
  codec_name?: string;
  pix_fmt?: string;
  width?: number;
  height?: number;
  duration?: string;
}

export interface ProbeResult {
  formatName: string;
  durationSeconds: number;
  bitrate: number;
  video: ProbedStream | undefined;
  audio: ProbedStream | undefined;
}

/** Reads container and stream facts with ffprobe. */
export async function probeMedia(
  ffprobePath: string,
  file: string,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  const { json, stderrTail } = await ffprobeJson(
    ffprobePath,
    ['-show_format', '-show_streams'],
    file,
    signal,
  );
  if (json === undefined) {
    const refused = networkReferenceRefused(stderrTail);
    if (refused) throw refused;
    throw new WorkerError(
      'TRANSCODE_FAILED',
      `The downloaded file is not readable media: ${stderrTail.at(-1) ?? 'ffprobe failed'}`,
    );
  }
  const parsed = json as {
    format?: { format_name?: string; duration?: string; bit_rate?: string };
    streams?: ProbedStream[];
  };
  const streams = parsed.streams ?? [];
  return {
    formatName: parsed.format?.format_name ?? '',
    durationSeconds: Number(parsed.format?.duration ?? 0) || 0,
    bitrate: Number(parsed.format?.bit_rate ?? 0) || 0,
    video: streams.find((s) => s.codec_type === 'video'),
    audio: streams.find((s) => s.codec_type === 'audio'),
  };
}
