import { classifyHostName, hostPortKey, type EgressPolicy } from '../shared/egress/addressPolicy.js';

export const MAX_URL_LENGTH = 2048;

export type SourceUrlProblem =
  | 'INVALID_URL'
  | 'URL_TOO_LONG'
  | 'UNSUPPORTED_SCHEME'
  | 'URL_HAS_CREDENTIALS'
  | 'URL_HAS_FRAGMENT'
  | 'PRIVATE_ADDRESS'
  | 'SOURCE_ADDRESS_BLOCKED';

export interface SourceUrlVerdict {
  ok: boolean;
  problem?: SourceUrlProblem;
  message?: string;
  /** The normalised URL (WHATWG parsing) when ok. */
  url?: string;
}

/**
 * Decides whether a job may download from `raw`. Link-local, metadata and platform addresses are
 * always refused; loopback, private ranges and single-label names unless private sources are allowed
 * (local development) or the exact host:port is allow-listed. Names are judged here by name only:
 * what they resolve to is checked where connections are made (src/shared/egress).
 */
export function checkSourceUrl(raw: string, options: EgressPolicy): SourceUrlVerdict {
  if (raw.length > MAX_URL_LENGTH)
    return {
      ok: false,
      problem: 'URL_TOO_LONG',
      message: `The URL is longer than ${MAX_URL_LENGTH} characters.`,
    };
  // URL parsing silently drops tabs and line breaks, which would glue two lines into one URL.
  if ([...raw].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f))
    return {
      ok: false,
      problem: 'INVALID_URL',
      message: 'The URL contains control characters (line breaks or tabs); send exactly one URL.',
    };
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(raw))
    return {
      ok: false,
      problem: 'INVALID_URL',
      message: 'Expected an absolute http(s) URL such as https://example.com/video.',
    };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, problem: 'INVALID_URL', message: 'The URL could not be parsed.' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return {
      ok: false,
      problem: 'UNSUPPORTED_SCHEME',
      message: `Only http and https URLs are accepted, not ${url.protocol}`,
    };
  if (url.username || url.password)
    return {
      ok: false,
      problem: 'URL_HAS_CREDENTIALS',
      message: 'URLs with a user name or password are not accepted.',
    };
  // yt-dlp reads `#__youtubedl_smuggle=` fragments as extra request headers; a fragment never reaches a server anyway.
  if (raw.includes('#'))
    return {
      ok: false,
      problem: 'URL_HAS_FRAGMENT',
      message: 'URLs with a fragment (#…) are not accepted; remove everything from the "#".',
    };
  if (!url.hostname) return { ok: false, problem: 'INVALID_URL', message: 'The URL has no host.' };
  if (url.href.length > MAX_URL_LENGTH)
    return {
      ok: false,
      problem: 'URL_TOO_LONG',
      message: `The URL is longer than ${MAX_URL_LENGTH} characters.`,
    };

  // WHATWG parsing already turned 0x7f000001, 2130706433 and 127.1 into dotted IPv4.
  const hostClass = classifyHostName(url.hostname);
  if (hostClass === 'forbidden')
    return {
      ok: false,
      problem: 'SOURCE_ADDRESS_BLOCKED',
      message: `The host ${url.hostname} is a link-local, metadata or platform address, which no job may reach.`,
    };
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const allowListed = (options.allowedPrivateSources ?? []).includes(hostPortKey(url.hostname, port));
  if (hostClass === 'private' && !options.allowPrivateSources && !allowListed)
    return {
      ok: false,
      problem: 'PRIVATE_ADDRESS',
      message: `The host ${url.hostname} is a loopback, private or single-label name or address; only public sources are accepted.`,
    };
  return { ok: true, url: url.href };
}
