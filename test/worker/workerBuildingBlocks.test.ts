import { describe, expect, it } from 'vitest';
import { CallbackReporter } from '../../src/worker/CallbackReporter.js';
import { classifyYtDlpFailure } from '../../src/worker/classifyYtDlpFailure.js';
import { loadWorkerSettings } from '../../src/worker/loadWorkerSettings.js';
import { asciiMetadataValue } from '../../src/worker/uploadOutput.js';
import { redactUrls } from '../../src/worker/WorkerError.js';
import { formatSelector, ytDlpArguments } from '../../src/worker/ytDlpArguments.js';
import { settingsWith, VALID_WORKER_ENV } from './support/validWorkerEnv.js';

describe('yt-dlp command line', () => {
  const args = ytDlpArguments({
    url: '--exec=touch /tmp/pwned',
    socketTimeoutSeconds: 7,
    retries: 2,
    outputTemplate: '/tmp/job/source.%(ext)s',
  });

  it('puts the URL last, after --, so it can never be read as an option', () => {
    expect(args.slice(-2)).toEqual(['--', '--exec=touch /tmp/pwned']);
    expect(args.indexOf('--')).toBe(args.length - 2);
  });

  it('ignores user configuration and bounds socket time and retries', () => {
    expect(args).toEqual(expect.arrayContaining(['--ignore-config', '--no-cache-dir', '--no-playlist']));
    expect(args[args.indexOf('--socket-timeout') + 1]).toBe('7');
    expect(args[args.indexOf('-R') + 1]).toBe('2');
    expect(args[args.indexOf('--fragment-retries') + 1]).toBe('2');
  });

  it('caps the height while keeping formats of unknown height, falling back to the smallest', () => {
    expect(formatSelector(undefined)).toBe('bv*+ba/b');
    expect(formatSelector(480)).toBe('bv*[height<=?480]+ba/b[height<=?480]/wv*+ba/w');
  });
});

describe('yt-dlp failure classification', () => {
  const classify = (line: string) => classifyYtDlpFailure(1, ['[generic] Extracting URL', line]);

  it('maps a 404 to NOT_FOUND, not retryable', () => {
    expect(classify('ERROR: [generic] Unable to download webpage: HTTP Error 404: Not Found')).toMatchObject({
      code: 'NOT_FOUND',
      retryable: false,
    });
  });

  it('maps an unsupported page to UNSUPPORTED_URL', () => {
    expect(classify('ERROR: Unsupported URL: http://127.0.0.1/page.html').code).toBe('UNSUPPORTED_URL');
  });

  it('maps timeouts, refused connections and 5xx to NETWORK, retryable', () => {
    for (const line of [
      'ERROR: [download] Got error: The read operation timed out',
      'ERROR: [generic] Unable to download webpage: <urlopen error [Errno 111] Connection refused>',
      'ERROR: unable to download video data: HTTP Error 503: Service Unavailable',
    ])
      expect(classify(line)).toMatchObject({ code: 'NETWORK', retryable: true });
  });

  it('keeps anything else as DOWNLOAD_FAILED with yt-dlp’s own words, minus URL queries', () => {
    const error = classify('ERROR: something odd at https://cdn.example/v.mp4?sig=SECRET');
    expect(error.code).toBe('DOWNLOAD_FAILED');
    expect(error.message).toContain('something odd at https://cdn.example/v.mp4?…');
    expect(error.message).not.toContain('SECRET');
  });
});

describe('secrets and encodings', () => {
  it('redacts query strings and fragments of every URL in a text', () => {
    expect(redactUrls('GET http://a/b?token=x and https://c/d#k=y done')).toBe(
      'GET http://a/b?… and https://c/d?… done',
    );
  });

  it('encodes blob metadata as ASCII that decodeURIComponent restores', () => {
    const url = "https://example.com/vidéo (1)/clip's.mp4?q=ü";
    const encoded = asciiMetadataValue(url);
    expect(encoded).toMatch(/^[\x21-\x7e]+$/);
    expect(decodeURIComponent(encoded)).toBe(url);
  });

  it('posts events under the callback path and keeps a query the callback URL carries', () => {
    const reporter = new CallbackReporter({
      callbackUrl: 'https://app.example/api/jobs/abc/events?code=FUNCTION_KEY',
      token: 't'.repeat(32),
      progressIntervalMs: 1000,
      reportDeadlineMs: 1000,
      log: () => undefined,
    });
    expect(reporter.eventUrl('JobFinished').href).toBe(
      'https://app.example/api/jobs/abc/events/JobFinished?code=FUNCTION_KEY',
    );
    expect(reporter.safeTarget).toBe('https://app.example/api/jobs/abc/events');
  });
});

describe('worker settings', () => {
  const valid = VALID_WORKER_ENV;

  it('accepts a complete environment and fills the defaults', () => {
    expect(loadWorkerSettings(valid)).toMatchObject({
      ok: true,
      settings: { maxBytes: 1000, progressIntervalSeconds: 3, reportDeadlineSeconds: 600 },
      runtime: { socketTimeoutSeconds: 20, retries: 3 },
    });
  });

  it('needs a blob endpoint unless a development connection string is given', () => {
    expect(settingsWith({ MF_MEDIA_BLOB_ENDPOINT: '' })).toMatchObject({
      ok: false,
      error: {
        code: 'BAD_CONFIG',
        message: expect.stringMatching(/MF_MEDIA_BLOB_ENDPOINT is missing/) as unknown,
      },
      callback: { url: valid.MF_CALLBACK_URL },
    });
    expect(settingsWith({ MF_MEDIA_BLOB_ENDPOINT: '', MF_STORAGE_CONNECTION_STRING: 'x' }).ok).toBe(true);
  });

  it('names bad values without repeating them, and keeps no callback when the callback itself is bad', () => {
    const loaded = settingsWith({ MF_CALLBACK_TOKEN: 'short-secret', MF_DOWNLOAD_RETRIES: '-1' });
    expect(loaded.ok).toBe(false);
    const refused = loaded.ok ? undefined : loaded;
    expect(refused?.error.message).toMatch(/MF_CALLBACK_TOKEN is invalid/);
    expect(refused?.error.message).toMatch(/MF_DOWNLOAD_RETRIES must be a positive number/);
    expect(refused?.error.message).not.toContain('short-secret');
    expect(refused?.callback).toBeUndefined();
  });
});
