export interface YtDlpArgumentOptions {
  url: string;
  maxHeight?: number;
  socketTimeoutSeconds: number;
  retries: number;
  /** Output template inside the job's temp dir. */
  outputTemplate: string;
  /** The egress proxy every request goes through. */
  proxy?: string;
  /** yt-dlp's `--js-runtimes` value (see ytDlpJsRuntime.ts); omitted for a yt-dlp without the option. */
  jsRuntimes?: string;
  /** Polite pacing towards the source (yt-dlp's sleep options); zero values add nothing. */
  pacing?: SourcePacing;
  /** A Netscape cookies file (the operator's cookies secret, written 0600 into the job's temp dir). */
  cookiesFile?: string;
  /** Ask the site for its subtitle files too (only when a subtitles output is requested). */
  subtitles?: { languages: readonly string[] | undefined; auto: boolean; outputTemplate: string };
}

/** Seconds yt-dlp waits: between extraction requests, and (at random in [min, max]) before each download. */
export interface SourcePacing {
  sleepRequestsSeconds: number;
  sleepIntervalSeconds: number;
  maxSleepIntervalSeconds: number;
}

/** yt-dlp's sleep options for a pacing; a maximum not above the minimum means a fixed sleep. */
export function pacingArguments(pacing: SourcePacing | undefined): string[] {
  if (!pacing) return [];
  const args: string[] = [];
  if (pacing.sleepRequestsSeconds > 0) args.push('--sleep-requests', String(pacing.sleepRequestsSeconds));
  if (pacing.sleepIntervalSeconds > 0) {
    args.push('--sleep-interval', String(pacing.sleepIntervalSeconds));
    if (pacing.maxSleepIntervalSeconds > pacing.sleepIntervalSeconds)
      args.push('--max-sleep-interval', String(pacing.maxSleepIntervalSeconds));
  }
  return args;
}

/**
 * yt-dlp's --sub-langs: its entries are regular expressions matched against the whole language code,
 * so "en" alone would miss "en-US"; each tag also takes its regional variants.
 */
export function subtitleLanguagesSelector(languages: readonly string[] | undefined): string {
  if (!languages) return 'all';
  return languages.flatMap((tag) => [tag, `${tag}-.*`]).join(',');
}

function subtitleArguments(subtitles: YtDlpArgumentOptions['subtitles']): string[] {
  if (!subtitles) return [];
  return [
    '--write-subs',
    ...(subtitles.auto ? ['--write-auto-subs'] : []),
    '--sub-langs',
    subtitleLanguagesSelector(subtitles.languages),
    '--sub-format',
    'vtt/best',
    '--convert-subs',
    'vtt',
    '-o',
    `subtitle:${subtitles.outputTemplate}`,
  ];
}

/** Marks the lines the worker asks yt-dlp to print, so they are told apart from its other output. */
export const YTDLP_LINE = { progress: '[mf-progress] ', info: '[mf-info] ', file: '[mf-file] ' } as const;

/**
 * yt-dlp's format selector: best video plus best audio, else the best single file, both capped at
 * `maxHeight`. `<=?` keeps formats whose height is unknown (single-variant HLS reports none). When
 * nothing fits under the cap the smallest rendition is taken rather than failing the job.
 */
export function formatSelector(maxHeight: number | undefined): string {
  if (maxHeight === undefined) return 'bv*+ba/b';
  const cap = `[height<=?${maxHeight}]`;
  return `bv*${cap}+ba/b${cap}/wv*+ba/w`;
}

/**
 * The full yt-dlp command line. User and system configuration is ignored so the container's
 * behaviour depends only on these flags; the URL comes after `--` so it can never be read as an option.
 */
export function ytDlpArguments(options: YtDlpArgumentOptions): string[] {
  const retries = String(options.retries);
  return [
    '--ignore-config',
    '--no-cache-dir',
    '--no-playlist',
    '--newline',
    '--no-colors',
    '--socket-timeout',
    String(options.socketTimeoutSeconds),
    '-R',
    retries,
    '--fragment-retries',
    retries,
    '--extractor-retries',
    retries,
    '-I',
    '1',
    '-f',
    formatSelector(options.maxHeight),
    '--merge-output-format',
    'mp4',
    '--no-part',
    '--no-mtime',
    // --print makes yt-dlp quiet and simulate; these two bring the download and its progress back.
    '--no-simulate',
    '--progress',
    '--progress-template',
    `download:${YTDLP_LINE.progress}%(progress.{status,downloaded_bytes,total_bytes,total_bytes_estimate,speed})j`,
    '--print',
    `video:${YTDLP_LINE.info}%(.{duration,filesize,title,height,width,vcodec,acodec,ext})j`,
    '--print',
    `after_move:${YTDLP_LINE.file}%(filepath)s`,
    ...(options.proxy ? ['--proxy', options.proxy] : []),
    ...(options.jsRuntimes ? ['--js-runtimes', options.jsRuntimes] : []),
    ...(options.cookiesFile ? ['--cookies', options.cookiesFile] : []),
    ...pacingArguments(options.pacing),
    ...subtitleArguments(options.subtitles),
    '-o',
    options.outputTemplate,
    '--',
    options.url,
  ];
}
