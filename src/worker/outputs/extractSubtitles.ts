import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ffmpegFailure, ffmpegLocalInput, ffprobeJson } from '../localMediaInput.js';
import { runProcess } from '../runProcess.js';
import { WorkerError } from '../WorkerError.js';

/** Text subtitle codecs ffmpeg can turn into WebVTT (bitmap ones such as PGS cannot be). */
const TEXT_SUBTITLE_CODECS = ['subrip', 'mov_text', 'webvtt', 'ass', 'ssa', 'text'];

export interface SubtitleTrack {
  index: number;
  language: string;
}

/** Subtitle streams of a file that can become WebVTT, with their language tag ("und" when unknown). */
export async function listSubtitleTracks(
  ffprobePath: string,
  file: string,
  signal: AbortSignal,
): Promise<SubtitleTrack[]> {
  const { json } = await ffprobeJson(ffprobePath, ['-select_streams', 's', '-show_streams'], file, signal);
  if (json === undefined) return [];
  const streams =
    (json as { streams?: { index: number; codec_name?: string; tags?: { language?: string } }[] }).streams ??
    [];
  return streams
    .filter((s) => TEXT_SUBTITLE_CODECS.includes(s.codec_name ?? ''))
    .map((s) => ({
      index: s.index,
      language: (s.tags?.language ?? 'und').replace(/[^A-Za-z0-9-]/g, '') || 'und',
    }));
}

/** ISO 639-2 codes containers use, for the languages asked for most, so `en` matches `eng`. */
const THREE_LETTER: Record<string, string> = {
  eng: 'en',
  fra: 'fr',
  fre: 'fr',
  deu: 'de',
  ger: 'de',
  spa: 'es',
  ita: 'it',
  por: 'pt',
  nld: 'nl',
  dut: 'nl',
  jpn: 'ja',
  zho: 'zh',
  chi: 'zh',
  kor: 'ko',
  rus: 'ru',
  ara: 'ar',
};

function matches(track: string, wanted: string): boolean {
  const t = track.toLowerCase();
  const w = wanted.toLowerCase();
  return t === w || THREE_LETTER[t] === w || t.split('-')[0] === w || THREE_LETTER[t] === w.split('-')[0];
}

/**
 * Writes the source's text subtitle tracks as `subtitles/<language>.vtt` under `outDir`: all of them,
 * or those matching `languages`. A source without subtitles gives an empty list, not an error.
 */
export async function extractSubtitles(options: {
  ffmpegPath: string;
  ffprobePath: string;
  input: string;
  outDir: string;
  languages: string[] | undefined;
  signal: AbortSignal;
}): Promise<{ path: string; language: string; bytes: number }[]> {
  const tracks = (await listSubtitleTracks(options.ffprobePath, options.input, options.signal)).filter(
    (t) => !options.languages || options.languages.some((w) => matches(t.language, w)),
  );
  if (tracks.length === 0) return [];
  mkdirSync(join(options.outDir, 'subtitles'), { recursive: true });
  const used = new Set<string>();
  const named = tracks.map((track) => {
    let name = track.language;
    for (let n = 2; used.has(name); n += 1) name = `${track.language}-${n}`;
    used.add(name);
    return { ...track, path: `subtitles/${name}.vtt` };
  });
  const args = ffmpegLocalInput(options.input);
  for (const track of named)
    args.push('-map', `0:${track.index}`, '-c:s', 'webvtt', '-f', 'webvtt', join(options.outDir, track.path));
  const outcome = await runProcess(options.ffmpegPath, args, { signal: options.signal }).done;
  if (options.signal.aborted) throw WorkerError.from(options.signal.reason);
  if (outcome.exitCode !== 0)
    throw new WorkerError(
      'TRANSCODE_FAILED',
      `ffmpeg could not convert the subtitles to WebVTT: ${ffmpegFailure(outcome)}`,
    );
  return named.map((t) => ({
    path: t.path,
    language: t.path.slice('subtitles/'.length, -'.vtt'.length),
    bytes: statSync(join(options.outDir, t.path)).size,
  }));
}
