/**
 * yt-dlp needs an external JavaScript runtime for YouTube since 2025.11.12 (without one it finds
 * only images). The worker already runs on Node.js, so it hands yt-dlp its own `node` rather than
 * adding another runtime to the image.
 */
export const FIRST_YT_DLP_WITH_JS_RUNTIMES = '2025.11.12';

/** `MF_YTDLP_JS_RUNTIMES` value that turns the flag off. */
export const JS_RUNTIMES_OFF = 'none';

/** `2025.11.12` or a nightly `2025.11.12.235959` as comparable numbers; undefined when not a version. */
function releaseDate(version: string): number[] | undefined {
  const match = /^(\d{4})\.(\d{1,2})\.(\d{1,2})/.exec(version);
  return match ? match.slice(1, 4).map(Number) : undefined;
}

function atLeast(version: number[], floor: number[]): boolean {
  for (let i = 0; i < floor.length; i += 1) {
    const a = version[i] ?? 0;
    const b = floor[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

/**
 * The `--js-runtimes` value for this yt-dlp, or undefined when none is passed. `configured`
 * (MF_YTDLP_JS_RUNTIMES) wins: `none` turns it off, anything else is passed as given (e.g.
 * `deno` or `node:/usr/bin/node`). Unset: `node:<this process's node>` for a yt-dlp recent enough to
 * know the option, nothing for an older one (it would refuse the unknown option).
 */
export function ytDlpJsRuntimes(
  ytDlpVersion: string,
  configured: string | undefined,
  nodePath: string = process.execPath,
): string | undefined {
  const wanted = configured?.trim();
  if (wanted === JS_RUNTIMES_OFF) return undefined;
  if (wanted) return wanted;
  const version = releaseDate(ytDlpVersion);
  const floor = releaseDate(FIRST_YT_DLP_WITH_JS_RUNTIMES) ?? [];
  return version && atLeast(version, floor) ? `node:${nodePath}` : undefined;
}
