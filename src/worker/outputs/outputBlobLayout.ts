import { extname } from 'node:path';

/** Prefix every output of a multi-output job lives under: the outputName (or instance id) without `.mp4`. */
export function outputPrefix(outputBlobName: string): string {
  return outputBlobName.replace(/\.mp4$/i, '');
}

const CONTENT_TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.mpd': 'application/dash+xml',
  '.ts': 'video/mp2t',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.m4a': 'audio/mp4',
  '.mp3': 'audio/mpeg',
  '.jpg': 'image/jpeg',
  '.vtt': 'text/vtt',
  '.zip': 'application/zip',
};

/** Manifests are re-read by players during playback but never rewritten: a short cache still helps. */
export const MANIFEST_CACHE_CONTROL = 'public, max-age=60';
/** Every other file is written once under a job-unique prefix and never changes. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

export function contentTypeFor(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export function cacheControlFor(path: string): string {
  return ['.m3u8', '.mpd'].includes(extname(path).toLowerCase())
    ? MANIFEST_CACHE_CONTROL
    : IMMUTABLE_CACHE_CONTROL;
}
