import { WorkerError, redactUrls } from './WorkerError.js';

const RULES: {
  pattern: RegExp;
  code: 'SOURCE_ADDRESS_BLOCKED' | 'NOT_FOUND' | 'UNSUPPORTED_URL' | 'NETWORK' | 'DOWNLOAD_FAILED';
  retryable?: boolean;
}[] = [
  // The egress proxy's refusal, as yt-dlp prints it for http ("HTTP Error 403: …") and CONNECT.
  { pattern: /\b403:? Source Address Blocked\b/, code: 'SOURCE_ADDRESS_BLOCKED' },
  { pattern: /HTTP Error (404|410)\b/i, code: 'NOT_FOUND' },
  { pattern: /HTTP Error (401|403)\b/i, code: 'DOWNLOAD_FAILED', retryable: false },
  {
    pattern:
      /Unsupported URL|is not a valid URL|No video formats found|Requested format is not available|no suitable (formats|InfoExtractor)|This video is (private|unavailable)|Video unavailable/i,
    code: 'UNSUPPORTED_URL',
  },
  {
    pattern:
      /timed out|Connection refused|Connection reset|Name or service not known|Temporary failure in name resolution|Network is unreachable|No route to host|IncompleteRead|Remote end closed|HTTP Error (5\d\d|429)\b|giving up after \d+ (fragment )?retries|Tunnel connection failed: 50\d|Unable to download (webpage|JSON)|EOF occurred|SSL/i,
    code: 'NETWORK',
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
  switch (rule?.code) {
    case 'SOURCE_ADDRESS_BLOCKED':
      return new WorkerError(
        'SOURCE_ADDRESS_BLOCKED',
        'A connection the source led to was refused: it points at a loopback, private, link-local or metadata address.',
      );
    case 'NOT_FOUND':
      return new WorkerError('NOT_FOUND', `The source URL was not found: ${detail}`);
    case 'UNSUPPORTED_URL':
      return new WorkerError(
        'UNSUPPORTED_URL',
        `No downloadable media was found at the source URL: ${detail}`,
      );
    case 'NETWORK':
      return new WorkerError('NETWORK', `The source could not be reached or stopped answering: ${detail}`);
    default:
      return new WorkerError(
        'DOWNLOAD_FAILED',
        `yt-dlp failed (exit code ${exitCode ?? 'none'}): ${detail}`,
        rule?.retryable === undefined ? {} : { retryable: rule.retryable },
      );
  }
}
