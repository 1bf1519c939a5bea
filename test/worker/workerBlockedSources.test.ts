import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOB_ERROR_CODES } from '../../src/shared/errors/errorCodes.js';
import { jobResultSchema, type JobFailed } from '../../src/shared/contracts.js';
import { runWorkerProcess } from './support/runWorkerProcess.js';
import { useWorkerTestBed } from './support/workerTestBed.js';

const COOKIES_HINT =
  'Use --cookies-from-browser or --cookies for the authentication. See  https://github.com/yt-dlp/yt-dlp/wiki/FAQ#how-do-i-pass-cookies-to-yt-dlp  for how to manually pass cookies';
const PROXY_HINT = 'You might want to use a VPN or a proxy server (with --proxy) to workaround.';

/** yt-dlp's refusals, worded exactly as it prints them, and what the job must say about each. */
const REFUSALS: {
  name: string;
  stderr: string[];
  code: keyof typeof JOB_ERROR_CODES;
  retryable: boolean;
  /** What the message tells the user to do. */
  advice: RegExp;
  /** yt-dlp's own words that the message keeps. */
  quoted: string;
}[] = [
  {
    name: 'YouTube bot check',
    stderr: [
      `ERROR: [youtube] dQw4w9WgXcQ: Sign in to confirm you’re not a bot. ${COOKIES_HINT}. Also see  https://github.com/yt-dlp/yt-dlp/wiki/Extractors#exporting-youtube-cookies  for tips on effectively exporting YouTube cookies`,
    ],
    code: 'SOURCE_SIGN_IN_REQUIRED',
    retryable: false,
    advice: /cookies of a signed-in account or a proxy/i,
    quoted: 'Sign in to confirm you’re not a bot',
  },
  {
    name: 'login required',
    stderr: [
      'ERROR: [vimeo] 76979871: This video is only available for registered users. Use --cookies, --cookies-from-browser, --username and --password, --netrc-cmd, or --netrc (vimeo) to provide account credentials. See  https://github.com/yt-dlp/yt-dlp/wiki/FAQ#how-do-i-pass-cookies-to-yt-dlp  for how to manually pass cookies',
    ],
    code: 'SOURCE_SIGN_IN_REQUIRED',
    retryable: false,
    advice: /cookies/i,
    quoted: 'only available for registered users',
  },
  {
    name: 'HTTP 403 on the media',
    stderr: ['ERROR: unable to download video data: HTTP Error 403: Forbidden'],
    code: 'SOURCE_FORBIDDEN',
    retryable: false,
    advice: /newer yt-dlp/,
    quoted: 'HTTP Error 403: Forbidden',
  },
  {
    name: 'YouTube geo block',
    stderr: [
      'ERROR: [youtube] dQw4w9WgXcQ: The uploader has not made this video available in your country',
      'This video is available in Germany, Austria.',
      PROXY_HINT,
    ],
    code: 'SOURCE_GEO_BLOCKED',
    retryable: false,
    advice: /proxy in a country/,
    quoted: 'not made this video available in your country',
  },
  {
    name: 'geo restriction (generic extractor wording)',
    stderr: [
      'ERROR: [BBC] p0abc123: This video is not available from your location due to geo restriction',
      PROXY_HINT,
    ],
    code: 'SOURCE_GEO_BLOCKED',
    retryable: false,
    advice: /proxy/,
    quoted: 'due to geo restriction',
  },
  {
    name: 'private video',
    stderr: [
      `ERROR: [youtube] dQw4w9WgXcQ: Private video. Sign in if you've been granted access to this video. ${COOKIES_HINT}`,
    ],
    code: 'SOURCE_ACCESS_RESTRICTED',
    retryable: false,
    advice: /cookies of an account that may watch it/,
    quoted: 'Private video',
  },
  {
    name: 'members-only video',
    stderr: [
      'ERROR: [youtube] dQw4w9WgXcQ: Join this channel to get access to members-only content like this video, and other exclusive perks.',
    ],
    code: 'SOURCE_ACCESS_RESTRICTED',
    retryable: false,
    advice: /cookies/,
    quoted: 'members-only content',
  },
  {
    name: 'age-gated video',
    stderr: [
      `ERROR: [youtube] dQw4w9WgXcQ: Sign in to confirm your age. This video may be inappropriate for some users. ${COOKIES_HINT}`,
    ],
    code: 'SOURCE_ACCESS_RESTRICTED',
    retryable: false,
    advice: /age-restricted/,
    quoted: 'Sign in to confirm your age',
  },
  {
    name: 'removed video',
    stderr: ['ERROR: [youtube] dQw4w9WgXcQ: Video unavailable. This video has been removed by the uploader'],
    code: 'SOURCE_UNAVAILABLE',
    retryable: false,
    advice: /removed or is unavailable/,
    quoted: 'removed by the uploader',
  },
  {
    name: 'terminated account',
    stderr: [
      'ERROR: [youtube] dQw4w9WgXcQ: Video unavailable. This video is no longer available because the YouTube account associated with this video has been terminated.',
    ],
    code: 'SOURCE_UNAVAILABLE',
    retryable: false,
    advice: /unavailable/,
    quoted: 'has been terminated',
  },
  {
    name: 'unsupported URL',
    stderr: ['ERROR: Unsupported URL: https://example.com/watch/1'],
    code: 'UNSUPPORTED_URL',
    retryable: false,
    advice: /newer yt-dlp/,
    quoted: 'Unsupported URL',
  },
  {
    name: 'HTTP 429',
    stderr: ['ERROR: unable to download video data: HTTP Error 429: Too Many Requests'],
    code: 'SOURCE_RATE_LIMITED',
    retryable: true,
    advice: /again later/,
    quoted: 'HTTP Error 429',
  },
  {
    name: 'YouTube session rate limit',
    stderr: [
      'ERROR: [youtube] dQw4w9WgXcQ: Video unavailable. This content isn’t available, try again later. The current session has been rate-limited by YouTube for up to an hour. It is recommended to use `-t sleep` to add a delay between video requests to avoid exceeding the rate limit. For more information, refer to  https://github.com/yt-dlp/yt-dlp/wiki/Extractors#this-content-isnt-available-try-again-later ',
    ],
    code: 'SOURCE_RATE_LIMITED',
    retryable: true,
    advice: /again later/,
    quoted: 'rate-limited by YouTube',
  },
  {
    name: 'the egress guard’s own 403',
    stderr: ['ERROR: [generic] Unable to download webpage: HTTP Error 403: Source Address Blocked'],
    code: 'SOURCE_ADDRESS_BLOCKED',
    retryable: false,
    advice: /loopback, private, link-local or metadata/,
    quoted: '',
  },
];

const testBed = useWorkerTestBed('mediaferry-ytdlp-stand-in-');

/** An executable that answers like yt-dlp refusing a source: its words on stderr, exit code 1. */
function ytDlpStandIn(name: string, stderr: string[]): string {
  const messageFile = join(testBed.scratch, `${name}.txt`);
  writeFileSync(messageFile, `[generic] Extracting URL\n${stderr.join('\n')}\n`);
  const script = join(testBed.scratch, `${name}.sh`);
  writeFileSync(script, `#!/bin/sh\ncat '${messageFile}' >&2\nexit 1\n`);
  chmodSync(script, 0o755);
  return script;
}

describe('worker explains a source that refuses it', { timeout: 60_000 }, () => {
  it.each(REFUSALS.map((r, index) => ({ ...r, index })))(
    '$name: $code',
    async ({ name, stderr, code, retryable, advice, quoted, index }) => {
      const env = testBed.bed.env(testBed.bed.media.url(testBed.bed.fixtures.progressiveMp4), {
        YTDLP_PATH: ytDlpStandIn(`refusal-${index}`, stderr),
      });
      const { code: exitCode, logs } = await runWorkerProcess(env, 45_000);
      expect(exitCode, logs).toBe(1);
      const result = jobResultSchema.parse(
        testBed.bed.callback.accepted('JobFinished').at(-1)?.body,
      ) as JobFailed;
      expect(result.status, name).toBe('Failed');
      expect(result.error).toMatchObject({ code, retryable });
      expect(result.error.message).toMatch(advice);
      expect(result.error.message).toContain(quoted);
      // Every code a job can end with is in the documented catalogue.
      expect(JOB_ERROR_CODES[code].retryable).toBe(retryable);
      expect(logs).toContain(`job failed: ${code}`);
    },
  );
});
