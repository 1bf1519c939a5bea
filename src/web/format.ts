import type { JobView } from '../shared/jobView.js';

/** 3725 → "1:02:05", 65 → "1:05". */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

const DATE = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export function formatDate(iso: string): string {
  return DATE.format(new Date(iso));
}

/** What a person calls a job: the source's title, else the file or page name of its URL, else its id. */
export function jobTitle(job: JobView): string {
  if (job.source.title) return job.source.title;
  if (job.playlist?.title) return job.playlist.title;
  const source = job.source.url ?? job.source.blob;
  if (source) {
    try {
      const path = source.includes('://') ? new URL(source).pathname : source;
      const last = decodeURIComponent(path.split('/').filter(Boolean).pop() ?? '');
      if (last) return last;
      return new URL(source).host;
    } catch {
      return source;
    }
  }
  return job.id;
}

/** Human names of output kinds, as the library and the player list them. */
export const OUTPUT_LABELS: Record<string, string> = {
  mp4: 'MP4',
  hls: 'HLS',
  dash: 'DASH',
  thumbnail: 'Thumbnail',
  storyboard: 'Storyboard',
  frames: 'Frames (ZIP)',
  audio: 'Audio',
  subtitles: 'Subtitles',
};
