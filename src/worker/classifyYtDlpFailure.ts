import type { KnownJobErrorCode } from '../shared/errors/errorCodes.js';
import { WorkerError, redactUrls } from './WorkerError.js';

interface Rule {
  pattern: RegExp;
  code: KnownJobErrorCode;
  /** What the user can do about it; yt-dlp's own words follow, as the detail. */
  advice: (detail: string) => string;
}

const NEWER_IMAGE = 'a worker image with a newer yt-dlp';

/**
 * yt-dlp's refusals, keyed by the words it prints (yt_dlp/extractor/common.py raise_login_required
 * and raise_geo_restricted, the YouTube extractor's playability reasons, HTTP errors). First match
 * wins, so the specific wordings come before the ones they contain: YouTube's rate limit starts with
 * "Video unavailable", its private and age-gated videos with "Sign in".
 */
const RULES: Rule[] = [
  {
    // The egress proxy's refusal, as yt-dlp prints it for http ("HTTP Error 403: …") and CONNECT.
    pattern: /\b403:? Source Address Blocked\b/,
    code: 'SOURCE_ADDRESS_BLOCKED',
    advice: () =>
      'A connection the source led to was refused: it points at a loopback, private, link-local or metadata address.',
  },
  {
    pattern: /HTTP Error 429\b|rate-limited by YouTube|This content isn.t available, try again later/i,
    code: 'SOURCE_RATE_LIMITED',
    advice: (d) =>
      `The source is limiting how often it answers this address. Submit the job again later, spacing jobs to this source further apart: ${d}`,
  },
  {
    pattern: /not available from your location|not made this video available in your country|geo.?restrict/i,
    code: 'SOURCE_GEO_BLOCKED',
    advice: (d) =>
      `The source does not offer this media in the country the worker runs in. A proxy in a country where it is available is needed: ${d}`,
  },
  {
    pattern:
      /Private video|This video is private|members-only content|available to this channel's members|Sign in to confirm your age|age-restricted|inappropriate for some users/i,
    code: 'SOURCE_ACCESS_RESTRICTED',
    advice: (d) =>
      `The media is private, for members only or age-restricted. Only cookies of an account that may watch it can fetch it: ${d}`,
  },
  {
    pattern:
      /Sign in to confirm you.re not a bot|only available for registered users|login required|requires (authentication|login)|HTTP Error 401\b/i,
    code: 'SOURCE_SIGN_IN_REQUIRED',
    advice: (d) =>
      `The source asks the worker to sign in or to prove it is not a bot, as sites such as YouTube do to data-centre addresses. Cookies of a signed-in account or a proxy on another network are needed: ${d}`,
  },
  {
    pattern: /HTTP Error (404|410)\b/i,
    code: 'NOT_FOUND',
    advice: (d) => `The source URL was not found: ${d}`,
  },
  {
    pattern: /HTTP Error 403\b/i,
    code: 'SOURCE_FORBIDDEN',
    advice: (d) =>
      `The source refused to serve the media (HTTP 403). An outdated yt-dlp is the usual cause on large sites, so try ${NEWER_IMAGE}; otherwise cookies or a proxy may be needed: ${d}`,
  },
  {
    pattern:
      /Video unavailable|This video is unavailable|removed by the uploader|has been removed|no longer available|account associated with this video has been terminated|This video does not exist/i,
    code: 'SOURCE_UNAVAILABLE',
    advice: (d) => `The source says the media was removed or is unavailable: ${d}`,
  },
  {
    pattern:
      /Unsupported URL|is not a valid URL|No video formats found|Requested format is not available|no suitable (formats|InfoExtractor)/i,
    code: 'UNSUPPORTED_URL',
    advice: (d) =>
      `No downloadable media was found at the source URL. If the site is supported by yt-dlp, ${NEWER_IMAGE} may handle it: ${d}`,
  },
  {
    pattern:
      /timed out|Connection refused|Connection reset|Name or service not known|Temporary failure in name resolution|Network is unreachable|No route to host|IncompleteRead|Remote end closed|HTTP Error 5\d\d\b|giving up after \d+ (fragment )?retries|Tunnel connection failed: 50\d|Unable to download (webpage|JSON)|EOF occurred|SSL/i,
    code: 'NETWORK',
    advice: (d) => `The source could not be reached or stopped answering: ${d}`,
  },
];

/** The most telling line of yt-dlp's stderr: its last `ERROR:` line, else the last line. */
function headline(stderrTail: readonly string[]): string {
  const errors = stderrTail.filter((line) => line.startsWith('ERROR:'));
  const line = errors.at(-1) ?? stderrTail.filter((l) => l.trim() !== '').at(-1) ?? 'no output';
  return redactUrls(line.replace(/^ERROR:\s*/, '').trim()).slice(0, 500);
}

/** Turns a failed yt-dlp run into the job error a user sees, keyed by yt-dlp's own message. */
export function classifyYtDlpFailure(exitCode: number | null, stderrTail: readonly string[]): WorkerError {
  const text = stderrTail.join('\n');
  const detail = headline(stderrTail);
  const rule = RULES.find((r) => r.pattern.test(text));
  if (rule) return new WorkerError(rule.code, rule.advice(detail));
  return new WorkerError('DOWNLOAD_FAILED', `yt-dlp failed (exit code ${exitCode ?? 'none'}): ${detail}`);
}
