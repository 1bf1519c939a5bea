import { MAX_PLAYLIST_ITEM_URL, type PlaylistItem, type PlaylistListing } from '../shared/contracts.js';
import { classifyYtDlpFailure } from './classifyYtDlpFailure.js';
import { finishYtDlp, startYtDlp, type YtDlpEgress } from './runYtDlp.js';
import { WorkerError } from './WorkerError.js';
import { pacingArguments, type SourcePacing } from './ytDlpArguments.js';

export interface ListPlaylistOptions {
  url: string;
  /** yt-dlp lists at most this many entries (`--playlist-end`). */
  maxItems: number;
  workDir: string;
  ytDlpPath: string;
  jsRuntimes?: string;
  socketTimeoutSeconds: number;
  retries: number;
  cookiesFile?: string;
  pacing?: SourcePacing;
  egress?: YtDlpEgress;
  signal: AbortSignal;
  log: (line: string) => void;
}

/** yt-dlp's JSON of a large channel page stays far below this; more means something is wrong. */
const MAX_LISTING_JSON_BYTES = 64 * 1024 * 1024;

/** yt-dlp's flat listing command: no download, one JSON document on stdout, at most maxItems entries. */
export function listPlaylistArguments(
  options: Omit<ListPlaylistOptions, 'signal' | 'log' | 'workDir' | 'ytDlpPath'>,
) {
  const retries = String(options.retries);
  return [
    '--ignore-config',
    '--no-cache-dir',
    '--yes-playlist',
    '--flat-playlist',
    '--dump-single-json',
    '--no-colors',
    '--playlist-end',
    String(options.maxItems),
    '--socket-timeout',
    String(options.socketTimeoutSeconds),
    '--extractor-retries',
    retries,
    ...(options.egress ? ['--proxy', options.egress.proxyUrl] : []),
    ...(options.jsRuntimes ? ['--js-runtimes', options.jsRuntimes] : []),
    ...(options.cookiesFile ? ['--cookies', options.cookiesFile] : []),
    ...pacingArguments(options.pacing),
    '--',
    options.url,
  ];
}

interface YtDlpEntry {
  _type?: string;
  id?: unknown;
  url?: unknown;
  webpage_url?: unknown;
  title?: unknown;
  ie_key?: unknown;
  extractor_key?: unknown;
}

interface YtDlpListing extends YtDlpEntry {
  entries?: unknown;
}

const SMUGGLE_FRAGMENT = /#__youtubedl_smuggle=(.*)$/;

/** yt-dlp's generic extractor smuggles data after `#__youtubedl_smuggle=`; the id it carries names the item. */
function unsmuggle(url: string): { url: string; id?: string } {
  const match = SMUGGLE_FRAGMENT.exec(url);
  if (!match) return { url };
  let id: string | undefined;
  try {
    const data = JSON.parse(decodeURIComponent(match[1]!.replace(/\+/g, ' '))) as { force_videoid?: unknown };
    if (typeof data.force_videoid === 'string') id = data.force_videoid;
  } catch {
    // Unreadable smuggled data names nothing; the URL alone keys the item.
  }
  return { url: url.slice(0, match.index), ...(id ? { id } : {}) };
}

const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : undefined);

function httpUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The item a listing entry names: a reference (`url`/`url_transparent`) by its URL; an entry yt-dlp
 * already resolved (e.g. the videos of an HTML page) by its own page when it has one, else by its media URL.
 */
export function playlistItemOf(entry: YtDlpEntry, listingPage: string | undefined): PlaylistItem | undefined {
  const reference = entry._type === 'url' || entry._type === 'url_transparent';
  const page = text(entry.webpage_url);
  const raw = reference || !page || page === listingPage ? text(entry.url) : page;
  if (!raw) return undefined;
  const { url: plain, id: smuggledId } = unsmuggle(raw);
  const url = httpUrl(plain);
  if (!url || url.length > MAX_PLAYLIST_ITEM_URL) return undefined;
  const id = text(entry.id) ?? smuggledId;
  const extractor = text(entry.ie_key) ?? text(entry.extractor_key) ?? 'generic';
  const title = text(entry.title);
  return {
    url,
    ...(id ? { archiveKey: `${extractor.toLowerCase()} ${id}`.slice(0, 300) } : {}),
    ...(title ? { title: title.slice(0, 500) } : {}),
  };
}

/** A listing from yt-dlp's JSON: a playlist's entries, or the one video a non-playlist URL names. */
export function listingFromYtDlpJson(
  json: YtDlpListing,
  sourceUrl: string,
  maxItems: number,
): PlaylistListing {
  const title = text(json.title)?.slice(0, 500);
  if (json._type !== 'playlist' && json._type !== 'multi_video') {
    const single = playlistItemOf(
      { ...json, webpage_url: undefined, url: text(json.webpage_url) ?? sourceUrl },
      undefined,
    );
    return { ...(title ? { title } : {}), items: single ? [single] : [] };
  }
  const page = text(json.webpage_url) ?? sourceUrl;
  const entries = Array.isArray(json.entries) ? (json.entries as YtDlpEntry[]) : [];
  const items = entries
    .filter((entry): entry is YtDlpEntry => typeof entry === 'object' && entry !== null)
    .map((entry) => playlistItemOf(entry, page))
    .filter((item): item is PlaylistItem => item !== undefined)
    .slice(0, maxItems);
  return { ...(title ? { title } : {}), items };
}

/**
 * Lists a playlist or channel with yt-dlp's flat listing (nothing is downloaded), through the egress
 * guard like a download. Entries without a usable http(s) URL are left out.
 */
export async function listPlaylist(options: ListPlaylistOptions): Promise<PlaylistListing> {
  const chunks: string[] = [];
  let stdoutBytes = 0;
  let tooBig = false;
  const running = startYtDlp(options, listPlaylistArguments(options), (line) => {
    stdoutBytes += line.length + 1;
    if (stdoutBytes > MAX_LISTING_JSON_BYTES) {
      if (!tooBig) running.stop();
      tooBig = true;
      return;
    }
    chunks.push(line);
  });
  const outcome = await finishYtDlp(options, running);
  if (tooBig)
    throw new WorkerError('DOWNLOAD_FAILED', 'The playlist listing yt-dlp printed is too large to read.', {
      retryable: false,
    });
  if (outcome.exitCode !== 0) throw classifyYtDlpFailure(outcome.exitCode, outcome.stderrTail);
  let json: YtDlpListing;
  try {
    json = JSON.parse(chunks.join('\n')) as YtDlpListing;
  } catch {
    throw new WorkerError('DOWNLOAD_FAILED', 'yt-dlp printed a playlist listing that is not JSON.', {
      retryable: false,
    });
  }
  const listing = listingFromYtDlpJson(json, options.url, options.maxItems);
  options.log(`listed ${listing.items.length} item(s)${listing.title ? ` of "${listing.title}"` : ''}`);
  if (listing.items.length === 0)
    throw new WorkerError(
      'UNSUPPORTED_URL',
      'yt-dlp found no items with a downloadable URL at this address.',
      {
        retryable: false,
      },
    );
  return listing;
}
