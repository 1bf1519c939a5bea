import { posix } from 'node:path';

/** How a rewritten playlist names what it points at. */
export interface PlaylistLinks {
  /** A playlist under the ladder's folder, to be served (and rewritten) by the app too. */
  playlist(path: string): string;
  /** Any other file under the ladder's folder (segment, init segment, key): a signed storage link. */
  file(path: string): Promise<string>;
}

/** A playlist's path relative to the ladder folder: plain segments, no `..`, ending in .m3u8. */
export const PLAYLIST_PATH = /^(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*\.m3u8$/;

/** `uri` of a line of `playlistPath`, as a path under the ladder folder; undefined if it leaves it. */
function resolveUnderLadder(playlistPath: string, uri: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('/')) return undefined;
  const bare = uri.split(/[?#]/)[0] ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(bare);
  } catch {
    return undefined;
  }
  const path = posix.normalize(posix.join(posix.dirname(playlistPath), decoded));
  return path === '.' || path.startsWith('../') || path === '..' ? undefined : path;
}

/**
 * Rewrites an HLS playlist so a browser can follow it with no other credential: each reference to
 * another playlist becomes the app's URL for it, each segment a short-lived read link of its own (a
 * blob SAS signs one blob, so the master's link alone cannot reach the segments). References that
 * leave the ladder's folder (absolute URLs, `..`) are dropped, never signed.
 */
export async function rewritePlaylist(
  text: string,
  playlistPath: string,
  links: PlaylistLinks,
): Promise<string> {
  const link = async (uri: string): Promise<string | undefined> => {
    const path = resolveUnderLadder(playlistPath, uri);
    if (path === undefined) return undefined;
    return path.endsWith('.m3u8') ? links.playlist(path) : links.file(path);
  };
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '') {
      out.push(line);
    } else if (!trimmed.startsWith('#')) {
      const replaced = await link(trimmed);
      if (replaced !== undefined) out.push(replaced);
    } else if (/URI="/.test(trimmed)) {
      // EXT-X-MEDIA, EXT-X-MAP, EXT-X-I-FRAME-STREAM-INF, EXT-X-KEY name files in a URI attribute.
      let missing = false;
      const parts: string[] = [];
      let last = 0;
      for (const match of trimmed.matchAll(/URI="([^"]*)"/g)) {
        const replaced = await link(match[1] ?? '');
        if (replaced === undefined) missing = true;
        parts.push(trimmed.slice(last, match.index), `URI="${replaced ?? ''}"`);
        last = (match.index ?? 0) + match[0].length;
      }
      parts.push(trimmed.slice(last));
      if (!missing) out.push(parts.join(''));
    } else {
      out.push(line);
    }
  }
  return out.join('\n');
}
