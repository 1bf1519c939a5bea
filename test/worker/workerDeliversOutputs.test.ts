import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobResultSchema, type JobOutput, type JobResult } from '../../src/shared/contracts.js';
import { startMediaServer, type MediaServer } from '../support/mediaServer.js';
import { runWorkerProcess } from './support/runWorkerProcess.js';
import { ffprobeJson, startWorkerTestBed, type WorkerTestBed } from './support/workerTestBed.js';

const run = promisify(execFile);
const WORKER_TIMEOUT_MS = 180_000;

let bed: WorkerTestBed;
let extra: MediaServer;
let scratch: string;
let sources: string;

async function ffmpeg(args: string[]): Promise<void> {
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], {
    cwd: sources,
    timeout: 60_000,
  });
}

beforeAll(async () => {
  bed = await startWorkerTestBed();
  scratch = mkdtempSync(join(tmpdir(), 'mediaferry-outputs-blobs-'));
  sources = mkdtempSync(join(tmpdir(), 'mediaferry-outputs-sources-'));
  const x264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];
  // Portrait, without audio.
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=360x640:rate=25:duration=3', ...x264, 'portrait.mp4']);
  // Smaller than every rung of the default ladder.
  await ffmpeg([
    ...['-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=25:duration=2'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=2'],
    ...x264,
    ...['-c:a', 'aac', 'tiny.mp4'],
  ]);
  // English and German text subtitles inside the MP4.
  const cue = (text: string) =>
    `1\n00:00:00,000 --> 00:00:01,500\n${text}\n\n2\n00:00:01,500 --> 00:00:02,000\n${text} 2\n`;
  writeFileSync(join(sources, 'en.srt'), cue('Hello'));
  writeFileSync(join(sources, 'de.srt'), cue('Hallo'));
  await ffmpeg([
    ...['-i', 'tiny.mp4', '-i', 'en.srt', '-i', 'de.srt'],
    ...['-map', '0', '-map', '1', '-map', '2', '-c', 'copy', '-c:s', 'mov_text'],
    ...['-metadata:s:s:0', 'language=eng', '-metadata:s:s:1', 'language=deu', 'subtitled.mp4'],
  ]);
  extra = await startMediaServer({ root: sources });
}, 120_000);
afterAll(async () => {
  await Promise.allSettled([bed?.stop(), extra?.close()]);
  rmSync(scratch, { recursive: true, force: true });
  rmSync(sources, { recursive: true, force: true });
});

/** Both loopback media servers, allow-listed as on-premises sources would be. */
const allowedSources = () => [bed.media.origin, extra.origin].map((o) => new URL(o).host).join(',');

interface Delivered {
  result: Extract<JobResult, { status: 'Succeeded' }>;
  prefix: string;
  /** Local copy of every blob under the job's prefix, by path relative to the prefix. */
  dir: string;
  blobs: Map<string, { contentType?: string; cacheControl?: string }>;
  output(kind: JobOutput['kind']): JobOutput;
}

async function deliver(url: string, outputs: unknown[]): Promise<Delivered> {
  const env = bed.env(url, {
    MF_OUTPUTS: JSON.stringify(outputs),
    MF_ALLOWED_PRIVATE_SOURCES: allowedSources(),
  });
  const prefix = env.MF_OUTPUT_BLOB_NAME!.replace(/\.mp4$/, '');
  const { code, logs } = await runWorkerProcess(env, WORKER_TIMEOUT_MS);
  expect(code, logs).toBe(0);
  const report = bed.callback.accepted('JobFinished').at(-1)?.body;
  const result = jobResultSchema.parse(report);
  if (result.status !== 'Succeeded') throw new Error(JSON.stringify(result));
  const dir = join(scratch, env.MF_INSTANCE_ID!);
  const blobs = new Map<string, { contentType?: string; cacheControl?: string }>();
  for await (const blob of bed.container.listBlobsFlat({ prefix: `${prefix}/` })) {
    const path = blob.name.slice(prefix.length + 1);
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    await bed.container.getBlobClient(blob.name).downloadToFile(file);
    blobs.set(path, { contentType: blob.properties.contentType, cacheControl: blob.properties.cacheControl });
  }
  expect(bed.leftoverWorkDirs()).toEqual([]);
  for (const output of result.outputs) {
    expect(output.blobName.startsWith(`${prefix}/`)).toBe(true);
    expect(output.url).toBe(`${bed.azurite.blobEndpoint}/media/${output.blobName}`);
    const main = readFileSync(join(dir, output.blobName.slice(prefix.length + 1)));
    expect(createHash('sha256').update(main).digest('hex')).toBe(output.sha256);
    expect(blobs.get(output.blobName.slice(prefix.length + 1))?.contentType).toBe(output.contentType);
  }
  return {
    result,
    prefix,
    dir,
    blobs,
    output: (kind) => {
      const found = result.outputs.find((o) => o.kind === kind);
      if (!found) throw new Error(`no ${kind} output`);
      return found;
    },
  };
}

interface ProbedStreams {
  streams: { codec_type: string; codec_name: string; width?: number; height?: number }[];
  format: { duration?: string };
}

async function probe(file: string): Promise<ProbedStreams> {
  return (await ffprobeJson(file)) as ProbedStreams;
}

function extinfDurations(playlist: string): number[] {
  return [...playlist.matchAll(/#EXTINF:([\d.]+)/g)].map((m) => Number(m[1]));
}

async function imageSize(file: string): Promise<[number, number]> {
  const s = (await probe(file)).streams[0]!;
  return [s.width!, s.height!];
}

// Several encodes per job on two shared cores: more room than the suite's defaults.
describe('worker delivers several outputs from one job', { timeout: 240_000 }, () => {
  it('an HLS ladder, MP4, thumbnail, storyboard, frames ZIP and audio from a 640x360 source', async () => {
    const job = await deliver(bed.media.url(bed.fixtures.progressiveMp4), [
      { kind: 'hls', heights: [720, 360, 240], segmentSeconds: 2 },
      { kind: 'mp4' },
      { kind: 'thumbnail', width: 320 },
      { kind: 'storyboard', everySeconds: 1, tileWidth: 128 },
      { kind: 'frames', everySeconds: 1 },
      { kind: 'audio' },
    ]);
    const duration = bed.fixtures.durationSeconds;

    // HLS: 720 is above the source and dropped; every rung in the master with its facts.
    const hls = job.output('hls');
    expect(hls.blobName).toBe(`${job.prefix}/hls/master.m3u8`);
    expect(hls.rungs?.map((r) => [r.width, r.height])).toEqual([
      [640, 360],
      [426, 240],
    ]);
    const master = readFileSync(join(job.dir, 'hls/master.m3u8'), 'utf8');
    for (const rung of hls.rungs!) {
      const line = master.split('\n').find((l) => l.includes(`RESOLUTION=${rung.width}x${rung.height}`));
      expect(line, master).toMatch(/BANDWIDTH=\d+/);
      expect(line).toMatch(/CODECS="avc1\.[0-9a-f]+,mp4a\.40\.2"/);
      const playlist = readFileSync(join(job.dir, 'hls', rung.name, 'index.m3u8'), 'utf8');
      const durations = extinfDurations(playlist);
      expect(durations.length).toBeGreaterThanOrEqual(2);
      // Aligned keyframes every 2 s: every segment but the last is exactly the target.
      for (const d of durations.slice(0, -1)) expect(d).toBeCloseTo(2, 1);
      const probed = await probe(join(job.dir, 'hls', rung.name, 'index.m3u8'));
      expect(probed.streams.find((s) => s.codec_type === 'video')).toMatchObject({
        codec_name: 'h264',
        height: rung.height,
      });
    }
    const viaMaster = await probe(join(job.dir, 'hls/master.m3u8'));
    expect(
      viaMaster.streams
        .filter((s) => s.codec_type === 'video')
        .map((s) => s.height)
        .sort(),
    ).toEqual([240, 360]);
    expect(viaMaster.streams.some((s) => s.codec_type === 'audio' && s.codec_name === 'aac')).toBe(true);
    expect(job.blobs.get('hls/master.m3u8')).toMatchObject({
      contentType: 'application/vnd.apple.mpegurl',
      cacheControl: 'public, max-age=60',
    });
    expect(job.blobs.get('hls/360p/seg_00000.ts')).toMatchObject({
      contentType: 'video/mp2t',
      cacheControl: 'public, max-age=31536000, immutable',
    });
    expect(hls.files).toBe([...job.blobs.keys()].filter((p) => p.startsWith('hls/')).length);

    const mp4 = await probe(join(job.dir, 'video.mp4'));
    expect(mp4.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);

    const thumbnail = job.output('thumbnail');
    expect(thumbnail).toMatchObject({ blobName: `${job.prefix}/thumbnail.jpg`, contentType: 'image/jpeg' });
    expect(await imageSize(join(job.dir, 'thumbnail.jpg'))).toEqual([320, 180]);

    const storyboard = job.output('storyboard');
    expect(storyboard.tile).toMatchObject({ width: 128, height: 72, count: duration, everySeconds: 1 });
    expect(storyboard.trackBlobName).toBe(`${job.prefix}/storyboard.vtt`);
    expect(await imageSize(join(job.dir, 'storyboard.jpg'))).toEqual([128 * duration, 72]);
    const vtt = readFileSync(join(job.dir, 'storyboard.vtt'), 'utf8');
    expect(vtt.startsWith('WEBVTT')).toBe(true);
    const cues = [...vtt.matchAll(/(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})\n(.+)/g)];
    const seconds = (m: RegExpMatchArray, at: number) =>
      Number(m[at]) * 3600 + Number(m[at + 1]) * 60 + Number(m[at + 2]) + Number(m[at + 3]) / 1000;
    expect(cues.length).toBe(duration);
    expect(seconds(cues[0]!, 1)).toBe(0);
    expect(seconds(cues.at(-1)!, 5)).toBeCloseTo(duration, 1);
    cues.slice(1).forEach((cue, i) => expect(seconds(cue, 1)).toBe(seconds(cues[i]!, 5)));
    expect(cues[1]![9]).toBe('storyboard.jpg#xywh=128,0,128,72');

    const frames = job.output('frames');
    expect(frames).toMatchObject({ contentType: 'application/zip', frameCount: duration });
    const { stdout: listing } = await run('unzip', ['-Z1', join(job.dir, 'frames.zip')]);
    const names = listing.trim().split('\n');
    expect(names).toHaveLength(duration);
    await run('unzip', ['-q', join(job.dir, 'frames.zip'), '-d', join(job.dir, 'unzipped')]);
    expect(await imageSize(join(job.dir, 'unzipped', names[0]!))).toEqual([640, 360]);

    const audio = job.output('audio');
    expect(audio).toMatchObject({
      blobName: `${job.prefix}/audio.m4a`,
      contentType: 'audio/mp4',
      format: 'm4a',
    });
    const audioProbe = await probe(join(job.dir, 'audio.m4a'));
    expect(audioProbe.streams.map((s) => s.codec_type)).toEqual(['audio']);
    expect(audioProbe.streams[0]?.codec_name).toBe('aac');
  });

  it('a portrait source without audio as HLS and DASH sharing one CMAF segment set', async () => {
    const job = await deliver(extra.url('portrait.mp4'), [
      { kind: 'hls', segmentSeconds: 2 },
      { kind: 'dash' },
    ]);
    const hls = job.output('hls');
    const dash = job.output('dash');
    // The short side names the rung: 360x640 is 360p, and nothing is upscaled.
    expect(hls.rungs).toEqual([expect.objectContaining({ name: '360p', width: 360, height: 640 })]);
    expect(hls.blobName).toBe(`${job.prefix}/cmaf/master.m3u8`);
    expect(dash).toMatchObject({
      blobName: `${job.prefix}/cmaf/manifest.mpd`,
      contentType: 'application/dash+xml',
    });
    expect([...job.blobs.keys()].filter((p) => p.endsWith('.ts'))).toEqual([]);

    const mpd = readFileSync(join(job.dir, 'cmaf/manifest.mpd'), 'utf8');
    expect(mpd).toContain('<MPD');
    expect(mpd).not.toContain('contentType="audio"');
    const template = /initialization="([^"]+)" media="([^"]+)" startNumber="(\d+)"/.exec(mpd)!;
    const segments = [...mpd.matchAll(/<S (?:t="\d+" )?d="\d+"(?: r="(\d+)")? \/>/g)].reduce(
      (n, m) => n + 1 + Number(m[1] ?? 0),
      0,
    );
    expect(segments).toBeGreaterThanOrEqual(2);
    const id = /<Representation id="(\d+)"/.exec(mpd)![1]!;
    expect(job.blobs.has('cmaf/' + template[1]!.replace('$RepresentationID$', id))).toBe(true);
    for (let n = Number(template[3]); n < Number(template[3]) + segments; n += 1) {
      const name = template[2]!
        .replace('$RepresentationID$', id)
        .replace('$Number%05d$', String(n).padStart(5, '0'));
      expect(job.blobs.get(`cmaf/${name}`)?.contentType, name).toBe('video/iso.segment');
    }

    const viaMaster = await probe(join(job.dir, 'cmaf/master.m3u8'));
    expect(viaMaster.streams.map((s) => [s.codec_type, s.codec_name, s.width, s.height])).toEqual([
      ['video', 'h264', 360, 640],
    ]);
    expect(job.result.media).toMatchObject({ width: 360, height: 640, audioCodec: null });
  });

  it('a source smaller than every rung becomes a one-rung ladder at its own size', async () => {
    const job = await deliver(extra.url('tiny.mp4'), [{ kind: 'hls' }, { kind: 'thumbnail' }]);
    expect(job.output('hls').rungs).toEqual([
      expect.objectContaining({ name: '90p', width: 160, height: 90 }),
    ]);
    const probed = await probe(join(job.dir, 'hls/90p/index.m3u8'));
    expect(probed.streams[0]).toMatchObject({ codec_name: 'h264', width: 160, height: 90 });
    // The thumbnail is never upscaled past the source.
    expect(await imageSize(join(job.dir, 'thumbnail.jpg'))).toEqual([160, 90]);
  });

  it('subtitles as WebVTT per language, and a note instead of a failure when none match', async () => {
    const job = await deliver(extra.url('subtitled.mp4'), [
      { kind: 'subtitles' },
      { kind: 'audio', format: 'mp3' },
    ]);
    const subtitles = job.output('subtitles');
    expect(subtitles).toMatchObject({
      blobName: `${job.prefix}/subtitles/eng.vtt`,
      contentType: 'text/vtt',
      languages: ['eng', 'deu'],
      files: 2,
    });
    const english = readFileSync(join(job.dir, 'subtitles/eng.vtt'), 'utf8');
    expect(english.startsWith('WEBVTT')).toBe(true);
    expect(english).toContain('00:00.000 --> 00:01.500');
    expect(english).toContain('Hello');
    expect(readFileSync(join(job.dir, 'subtitles/deu.vtt'), 'utf8')).toContain('Hallo');
    expect(job.output('audio')).toMatchObject({ contentType: 'audio/mpeg', format: 'mp3' });
    const mp3 = await probe(join(job.dir, 'audio.mp3'));
    expect(mp3.streams.map((s) => [s.codec_type, s.codec_name])).toEqual([['audio', 'mp3']]);

    const onlyFrench = await deliver(extra.url('subtitled.mp4'), [
      { kind: 'subtitles', languages: ['fr'] },
      { kind: 'thumbnail' },
    ]);
    expect(onlyFrench.result.outputs.map((o) => o.kind)).toEqual(['thumbnail']);
    expect(onlyFrench.result.missing).toEqual([
      { kind: 'subtitles', message: 'The source has no subtitles in fr.' },
    ]);
  });

  it('fails with NO_AUDIO, uploading nothing, when audio is asked of a silent source', async () => {
    const env = bed.env(extra.url('portrait.mp4'), {
      MF_OUTPUTS: JSON.stringify([{ kind: 'audio' }]),
      MF_ALLOWED_PRIVATE_SOURCES: allowedSources(),
    });
    const { code } = await runWorkerProcess(env, WORKER_TIMEOUT_MS);
    expect(code).toBe(1);
    const result = jobResultSchema.parse(bed.callback.accepted('JobFinished').at(-1)?.body);
    expect(result).toMatchObject({ status: 'Failed', error: { code: 'NO_AUDIO', retryable: false } });
    const prefix = env.MF_OUTPUT_BLOB_NAME!.replace(/\.mp4$/, '');
    const left: string[] = [];
    for await (const blob of bed.container.listBlobsFlat({ prefix })) left.push(blob.name);
    expect(left).toEqual([]);
  });
});
