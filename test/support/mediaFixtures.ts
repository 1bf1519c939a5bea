import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { testPatternInputs } from '../../emulator/stack/sampleMedia.js';

const run = promisify(execFile);

/**
 * Small test clips generated with ffmpeg, for tests that download, transcode and probe real media.
 *
 * Paths are relative to `dir`, so a media server serving `dir` exposes them at the same paths.
 * Every clip has video and audio of `durationSeconds`; sizes are small so the suite stays fast on
 * two cores.
 */
export interface MediaFixtures {
  /** Folder holding every fixture (serve it with startMediaServer({ root: dir })). */
  dir: string;
  durationSeconds: number;
  /** H.264/AAC MP4, 640x360, moov at the end (as most encoders write it). */
  progressiveMp4: string;
  /** HLS master playlist: video variants 320x180 and 640x360, audio in a separate group. */
  hlsMaster: string;
  /** Heights of the HLS (and DASH) video variants, smallest first. */
  variantHeights: readonly [number, number];
  /** DASH manifest with video-only (320x180, 640x360) and audio-only representations. */
  dashManifest: string;
  /** VP9/Opus WebM, 320x180 (not H.264/AAC, so it must be transcoded). */
  vp9Webm: string;
  /** HTML page whose `<video>` tag points at the progressive MP4. */
  htmlPage: string;
  /** HTML page with no media at all. */
  htmlWithoutMedia: string;
}

const FIXTURE_VERSION = 1;
const DURATION_SECONDS = 3;
const VARIANT_HEIGHTS = [180, 360] as const;

const lavfiInputs = (seconds: number, size: string) => testPatternInputs(seconds, size, 25);

async function ffmpeg(cwd: string, args: string[]): Promise<void> {
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { cwd, timeout: 120_000 });
}

async function generate(dir: string): Promise<void> {
  const d = DURATION_SECONDS;
  const h264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '25'];
  await ffmpeg(dir, [...lavfiInputs(d, '640x360'), ...h264, '-c:a', 'aac', '-b:a', '64k', 'progressive.mp4']);

  // HLS and DASH carry the same two video variants (180p, 360p) and one audio stream.
  const twoVariantsAndAudio = [
    ...lavfiInputs(d, '640x360'),
    ...['-map', '0:v', '-map', '0:v', '-map', '1:a'],
    ...h264,
    ...['-s:v:0', '320x180', '-b:v:0', '200k', '-s:v:1', '640x360', '-b:v:1', '600k'],
    ...['-c:a', 'aac', '-b:a', '64k'],
  ];
  mkdirSync(join(dir, 'hls'));
  await ffmpeg(join(dir, 'hls'), [
    ...twoVariantsAndAudio,
    ...['-f', 'hls', '-hls_time', '1', '-hls_playlist_type', 'vod', '-hls_segment_filename', 's%v_%03d.ts'],
    ...['-master_pl_name', 'master.m3u8', '-var_stream_map', 'a:0,agroup:aud v:0,agroup:aud v:1,agroup:aud'],
    'stream_%v.m3u8',
  ]);

  mkdirSync(join(dir, 'dash'));
  await ffmpeg(join(dir, 'dash'), [
    ...twoVariantsAndAudio,
    ...['-f', 'dash', '-seg_duration', '1', '-adaptation_sets', 'id=0,streams=v id=1,streams=a'],
    'manifest.mpd',
  ]);

  await ffmpeg(dir, [
    ...lavfiInputs(d, '320x180'),
    ...['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '200k'],
    ...['-c:a', 'libopus', '-b:a', '48k', 'clip.webm'],
  ]);

  writeFileSync(
    join(dir, 'page.html'),
    '<!doctype html><html><head><title>Test clip</title></head><body>\n' +
      '<video controls width="640"><source src="progressive.mp4" type="video/mp4"></video>\n' +
      '</body></html>\n',
  );
  writeFileSync(
    join(dir, 'no-media.html'),
    '<!doctype html><html><head><title>Nothing here</title></head><body><p>No video.</p></body></html>\n',
  );
}

let cached: Promise<MediaFixtures> | undefined;

/**
 * Generates the fixtures once into a folder under the system temp dir named after their recipe, and
 * reuses it from then on (also across test files and runs). Building happens in a scratch folder that
 * is renamed into place, so parallel test files never see half-written media.
 */
export function mediaFixtures(): Promise<MediaFixtures> {
  cached ??= buildFixtures();
  return cached;
}

async function buildFixtures(): Promise<MediaFixtures> {
  const recipe = createHash('sha256')
    .update(`${FIXTURE_VERSION}:${DURATION_SECONDS}:${generate.toString()}`)
    .digest('hex')
    .slice(0, 16);
  const root = join(tmpdir(), 'mediaferry-test-media');
  const dir = join(root, recipe);
  if (!existsSync(join(dir, '.complete'))) {
    mkdirSync(root, { recursive: true });
    const scratch = join(root, `${recipe}.${process.pid}.${Date.now()}`);
    mkdirSync(scratch);
    try {
      await generate(scratch);
      writeFileSync(join(scratch, '.complete'), '');
      try {
        renameSync(scratch, dir);
      } catch {
        // Another test file finished first; its copy is identical.
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  return {
    dir,
    durationSeconds: DURATION_SECONDS,
    progressiveMp4: 'progressive.mp4',
    hlsMaster: 'hls/master.m3u8',
    variantHeights: VARIANT_HEIGHTS,
    dashManifest: 'dash/manifest.mpd',
    vp9Webm: 'clip.webm',
    htmlPage: 'page.html',
    htmlWithoutMedia: 'no-media.html',
  };
}

/** Total bytes of the files under a fixture path (a file, or a folder such as `hls`). */
export function fixtureBytes(fixtures: MediaFixtures, relativePath: string): number {
  const path = join(fixtures.dir, relativePath);
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + fixtureBytes(fixtures, join(relativePath, name)), 0);
}
