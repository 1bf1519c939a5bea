import { join } from 'node:path';
import { LOCAL_MEDIA_INPUT } from '../localMediaInput.js';
import type { OutputPlan } from './planOutputs.js';

/** Where each output is written under the job's output folder (the same paths name the blobs). */
export const OUTPUT_FILES = {
  mp4: 'video.mp4',
  thumbnail: 'thumbnail.jpg',
  storyboardImage: 'storyboard.jpg',
  storyboardTrack: 'storyboard.vtt',
  framesZip: 'frames.zip',
  hlsMaster: 'master.m3u8',
  dashManifest: 'manifest.mpd',
} as const;
/** Frames are written here, outside the output folder, and only their ZIP is uploaded. */
export const FRAMES_DIR = 'frames';

export interface FfmpegRun {
  /** What the run makes, for logs and errors. */
  label: string;
  args: string[];
  /** Share of the plan's processing time this run is expected to take (progress weighting). */
  weight: number;
}

const COMMON = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'];
const PROGRESS = ['-progress', 'pipe:1', '-nostats'];
const X264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'];
const JPEG_QUALITY = ['-c:v', 'mjpeg', '-q:v', '3', '-pix_fmt', 'yuvj420p'];

function ladderOutputArgs(plan: OutputPlan, outDir: string, labels: string[]): string[] {
  const ladder = plan.ladder!;
  const args: string[] = [];
  for (const label of labels) args.push('-map', `[${label}]`);
  if (plan.hasAudio) args.push('-map', '0:a:0');
  args.push(...X264);
  ladder.rungs.forEach((rung, i) => {
    args.push(
      `-b:v:${i}`,
      String(rung.bandwidth),
      `-maxrate:v:${i}`,
      String(Math.round(rung.bandwidth * 1.07)),
      `-bufsize:v:${i}`,
      String(Math.round(rung.bandwidth * 1.5)),
    );
  });
  // Keyframes at every segment boundary, the same instants in every rung, so players can switch.
  args.push('-force_key_frames', `expr:gte(t,n_forced*${ladder.segmentSeconds})`, '-sc_threshold', '0');
  if (plan.hasAudio) args.push('-c:a', 'aac', '-b:a', '128k', '-ac', '2');
  const dir = join(outDir, ladder.dir);
  if (ladder.dash) {
    args.push(
      '-f',
      'dash',
      '-seg_duration',
      String(ladder.segmentSeconds),
      '-use_timeline',
      '1',
      '-use_template',
      '1',
      '-adaptation_sets',
      plan.hasAudio ? 'id=0,streams=v id=1,streams=a' : 'id=0,streams=v',
      '-init_seg_name',
      'init-$RepresentationID$.m4s',
      '-media_seg_name',
      'seg-$RepresentationID$-$Number%05d$.m4s',
    );
    // The DASH muxer can write HLS playlists over the same fMP4 (CMAF) segments: one encode, two manifests.
    if (ladder.hls) args.push('-hls_playlist', '1', '-hls_master_name', OUTPUT_FILES.hlsMaster);
    args.push(join(dir, OUTPUT_FILES.dashManifest));
    return args;
  }
  const streamMap = ladder.rungs.map((rung, i) =>
    plan.hasAudio ? `v:${i},agroup:audio,name:${rung.name}` : `v:${i},name:${rung.name}`,
  );
  if (plan.hasAudio) streamMap.unshift('a:0,agroup:audio,name:audio');
  args.push(
    '-f',
    'hls',
    '-hls_time',
    String(ladder.segmentSeconds),
    '-hls_playlist_type',
    'vod',
    '-hls_segment_filename',
    join(dir, '%v', 'seg_%05d.ts'),
    '-master_pl_name',
    OUTPUT_FILES.hlsMaster,
    '-var_stream_map',
    streamMap.join(' '),
    join(dir, '%v', 'index.m3u8'),
  );
  return args;
}

/**
 * The ffmpeg runs for a plan. Everything that needs decoded pictures (ladder rungs, a transcoded
 * MP4, the storyboard, frames) hangs off one decode through `split`; copies (a remuxed MP4, AAC
 * audio) ride along in the same run. Only the thumbnail is a separate run: seeking before the input
 * reads a few frames instead of the whole file.
 */
export function ffmpegPlanArguments(
  plan: OutputPlan,
  input: string,
  outDir: string,
  framesDir: string,
): FfmpegRun[] {
  const runs: FfmpegRun[] = [];
  const branches: { label: string; filter: string }[] = [];
  const outputs: string[] = [];
  let weight = 0;

  if (plan.ladder) {
    const labels = plan.ladder.rungs.map((rung, i) => {
      const label = `rung${i}`;
      branches.push({ label, filter: `scale=${rung.width}:${rung.height},setsar=1` });
      weight += (rung.width * rung.height) / (1920 * 1080);
      return label;
    });
    outputs.push(...ladderOutputArgs(plan, outDir, labels));
  }
  if (plan.mp4) {
    const file = join(outDir, OUTPUT_FILES.mp4);
    if (plan.mp4.copy) {
      outputs.push('-map', '0:v:0', '-map', '0:a:0?', '-c', 'copy');
      weight += 0.02;
    } else {
      branches.push({ label: 'mp4', filter: 'null' });
      outputs.push('-map', '[mp4]', '-map', '0:a:0?', ...X264, '-crf', '23', '-c:a', 'aac', '-b:a', '128k');
      weight += 1;
    }
    outputs.push('-movflags', '+faststart', '-f', 'mp4', file);
  }
  if (plan.storyboard) {
    const s = plan.storyboard;
    branches.push({
      label: 'storyboard',
      filter: `fps=1/${s.everySeconds},scale=${s.tileWidth}:${s.tileHeight},setsar=1,tile=${s.columns}x${s.rows}`,
    });
    outputs.push(
      '-map',
      '[storyboard]',
      '-frames:v',
      '1',
      ...JPEG_QUALITY,
      '-f',
      'image2',
      '-update',
      '1',
      join(outDir, OUTPUT_FILES.storyboardImage),
    );
    weight += 0.05;
  }
  if (plan.frames) {
    const f = plan.frames;
    const scale = f.width === undefined ? '' : `,scale=${f.width}:-2`;
    branches.push({ label: 'frames', filter: `fps=1/${f.everySeconds}${scale}` });
    outputs.push(
      '-map',
      '[frames]',
      '-frames:v',
      String(f.maxCount),
      ...JPEG_QUALITY,
      '-f',
      'image2',
      join(framesDir, 'frame_%05d.jpg'),
    );
    weight += 0.1;
  }
  if (plan.audio) {
    const a = plan.audio;
    outputs.push('-map', '0:a:0', '-vn');
    if (a.format === 'mp3') outputs.push('-c:a', 'libmp3lame', '-q:a', '2', '-f', 'mp3');
    else
      outputs.push(
        ...(a.copy ? ['-c:a', 'copy'] : ['-c:a', 'aac', '-b:a', '128k']),
        '-movflags',
        '+faststart',
        '-f',
        'mp4',
      );
    outputs.push(join(outDir, `audio.${a.format}`));
    weight += a.copy ? 0.01 : 0.05;
  }

  if (outputs.length > 0) {
    const graph =
      branches.length === 0
        ? []
        : [
            '-filter_complex',
            [
              `[0:v:0]split=${branches.length}${branches.map((_, i) => `[in${i}]`).join('')}`,
              ...branches.map((b, i) => `[in${i}]${b.filter}[${b.label}]`),
            ].join(';'),
          ];
    const labels = [
      plan.ladder ? `${plan.ladder.dir} ladder ${plan.ladder.rungs.map((r) => r.name).join('/')}` : '',
      plan.mp4 ? (plan.mp4.copy ? 'mp4 (remux)' : 'mp4') : '',
      plan.storyboard ? 'storyboard' : '',
      plan.frames ? 'frames' : '',
      plan.audio ? `audio ${plan.audio.format}` : '',
    ].filter(Boolean);
    runs.push({
      label: labels.join(', '),
      args: [...COMMON, ...LOCAL_MEDIA_INPUT, '-i', input, ...graph, ...PROGRESS, ...outputs],
      weight: Math.max(weight, 0.01),
    });
  }
  if (plan.thumbnail) {
    const t = plan.thumbnail;
    runs.push({
      label: 'thumbnail',
      args: [
        ...COMMON,
        '-ss',
        t.atSeconds.toFixed(3),
        ...LOCAL_MEDIA_INPUT,
        '-i',
        input,
        '-map',
        '0:v:0',
        '-frames:v',
        '1',
        '-vf',
        `scale=${t.width}:${t.height},setsar=1`,
        ...JPEG_QUALITY,
        ...PROGRESS,
        '-f',
        'image2',
        '-update',
        '1',
        join(outDir, OUTPUT_FILES.thumbnail),
      ],
      weight: 0.01,
    });
  }
  return runs;
}
