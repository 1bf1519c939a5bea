import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ytDlpJsRuntimes } from '../../src/worker/ytDlpJsRuntime.js';
import { runWorkerProcess } from './support/runWorkerProcess.js';
import { useWorkerTestBed } from './support/workerTestBed.js';

describe('the JavaScript runtime handed to yt-dlp', () => {
  it('is this Node.js for a yt-dlp from 2025.11.12 on, nightlies included, and nothing for older ones', () => {
    expect(ytDlpJsRuntimes('2025.11.12', undefined, '/usr/local/bin/node')).toBe('node:/usr/local/bin/node');
    expect(ytDlpJsRuntimes('2026.03.01.123456', undefined, '/n')).toBe('node:/n');
    expect(ytDlpJsRuntimes('2025.11.11', undefined, '/n')).toBeUndefined();
    expect(ytDlpJsRuntimes('2023.03.04', undefined, '/n')).toBeUndefined();
    expect(ytDlpJsRuntimes('unknown', undefined, '/n')).toBeUndefined();
  });

  it('follows MF_YTDLP_JS_RUNTIMES: a runtime as given, or none', () => {
    expect(ytDlpJsRuntimes('2023.03.04', 'deno', '/n')).toBe('deno');
    expect(ytDlpJsRuntimes('2026.01.01', 'none', '/n')).toBeUndefined();
    expect(ytDlpJsRuntimes('2026.01.01', '  ', '/n')).toBe('node:/n');
  });
});

const testBed = useWorkerTestBed('mediaferry-js-runtime-');

const realYtDlp = execFileSync('sh', ['-c', 'command -v yt-dlp'], { encoding: 'utf8' }).trim();

/**
 * A yt-dlp that says it is `version`, writes the arguments of its download run to a file, and runs
 * the installed yt-dlp without --js-runtimes (which that older release does not know).
 */
function recordingYtDlp(name: string, version: string): { path: string; args: () => string[] } {
  const argsFile = join(testBed.scratch, `${name}.args`);
  const path = join(testBed.scratch, `${name}.sh`);
  writeFileSync(
    path,
    [
      '#!/bin/sh',
      `if [ "$1" = "--version" ]; then echo ${version}; exit 0; fi`,
      `printf '%s\\n' "$@" > '${argsFile}'`,
      'for arg do shift; if [ "$skip" = 1 ]; then skip=0; continue; fi',
      '  if [ "$arg" = "--js-runtimes" ]; then skip=1; continue; fi; set -- "$@" "$arg"; done',
      `exec '${realYtDlp}' "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(path, 0o755);
  return { path, args: () => readFileSync(argsFile, 'utf8').trim().split('\n') };
}

async function download(overrides: Record<string, string>) {
  const env = testBed.bed.env(testBed.bed.media.url(testBed.bed.fixtures.progressiveMp4), overrides);
  const { code, logs } = await runWorkerProcess(env, 90_000);
  expect(code, logs).toBe(0);
}

describe('the worker runs yt-dlp with a JavaScript runtime', { timeout: 120_000 }, () => {
  it('passes its own Node.js to a current yt-dlp, and the job still succeeds', async () => {
    const ytDlp = recordingYtDlp('current', '2025.12.08');
    await download({ YTDLP_PATH: ytDlp.path });
    const args = ytDlp.args();
    const runtime = args[args.indexOf('--js-runtimes') + 1] ?? '';
    expect(args).toContain('--js-runtimes');
    expect(runtime).toMatch(/^node:\/.+/);
    // The runtime is an executable Node.js, the one the worker itself runs on.
    expect(execFileSync(runtime.slice('node:'.length), ['--version'], { encoding: 'utf8' })).toMatch(
      /^v\d+\./,
    );
  });

  it('passes nothing when MF_YTDLP_JS_RUNTIMES is none', async () => {
    const ytDlp = recordingYtDlp('off', '2025.12.08');
    await download({ YTDLP_PATH: ytDlp.path, MF_YTDLP_JS_RUNTIMES: 'none' });
    expect(ytDlp.args()).not.toContain('--js-runtimes');
  });
});
