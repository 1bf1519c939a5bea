import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobResultSchema, type JobSucceeded } from '../../src/shared/contracts.js';
import { runWorkerProcess } from './support/runWorkerProcess.js';
import { useWorkerTestBed } from './support/workerTestBed.js';

const testBed = useWorkerTestBed('mediaferry-tool-versions-');

const realYtDlp = execFileSync('sh', ['-c', 'command -v yt-dlp'], { encoding: 'utf8' }).trim();
const ffmpegVersion = /^ffmpeg version (\S+)/.exec(
  execFileSync('ffmpeg', ['-version'], { encoding: 'utf8' }),
)?.[1];

async function succeed(overrides: Record<string, string> = {}): Promise<JobSucceeded> {
  const env = testBed.bed.env(testBed.bed.media.url(testBed.bed.fixtures.progressiveMp4), overrides);
  const { code, logs } = await runWorkerProcess(env, 90_000);
  expect(code, logs).toBe(0);
  const result = jobResultSchema.parse(
    testBed.bed.callback.accepted('JobFinished').at(-1)?.body,
  ) as JobSucceeded;
  expect(result.status).toBe('Succeeded');
  return result;
}

describe('a job result records the tool versions that ran it', { timeout: 120_000 }, () => {
  it('names the installed yt-dlp and ffmpeg', async () => {
    const result = await succeed();
    const ytDlpVersion = execFileSync(realYtDlp, ['--version'], { encoding: 'utf8' }).trim();
    expect(result.tools).toEqual({ ytDlp: ytDlpVersion, ffmpeg: ffmpegVersion });
  });

  it('names the yt-dlp the worker was configured with, not whatever is on PATH', async () => {
    // A wrapper that reports its own version and otherwise runs the real yt-dlp, which downloads.
    const wrapper = join(testBed.scratch, 'yt-dlp-wrapper.sh');
    writeFileSync(
      wrapper,
      `#!/bin/sh\nif [ "$1" = "--version" ]; then echo 2099.01.01; exit 0; fi\nexec '${realYtDlp}' "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    // The wrapper's version is made up: the real yt-dlp behind it takes no --js-runtimes.
    const result = await succeed({ YTDLP_PATH: wrapper, MF_YTDLP_JS_RUNTIMES: 'none' });
    expect(result.tools).toEqual({ ytDlp: '2099.01.01', ffmpeg: ffmpegVersion });
  });

  it('takes the yt-dlp version the image recorded instead of starting yt-dlp to ask', async () => {
    const recorded = join(testBed.scratch, 'yt-dlp.version');
    writeFileSync(recorded, '2099.01.02\n');
    const result = await succeed({ MF_YTDLP_VERSION_FILE: recorded, MF_YTDLP_JS_RUNTIMES: 'none' });
    expect(result.tools).toEqual({ ytDlp: '2099.01.02', ffmpeg: ffmpegVersion });
  });

  it('asks yt-dlp itself when the recorded version is missing or not a version', async () => {
    const odd = join(testBed.scratch, 'odd.version');
    writeFileSync(odd, 'not a version\n');
    const ytDlpVersion = execFileSync(realYtDlp, ['--version'], { encoding: 'utf8' }).trim();
    for (const file of [odd, join(testBed.scratch, 'missing.version')]) {
      const result = await succeed({ MF_YTDLP_VERSION_FILE: file });
      expect(result.tools?.ytDlp).toBe(ytDlpVersion);
    }
  });
});
