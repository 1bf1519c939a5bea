import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SETUP = join(import.meta.dirname, '..', '..', 'scripts', 'setup.sh');

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

describe('scripts/setup.sh', () => {
  it('passes shellcheck', (context) => {
    if (!hasCommand('shellcheck')) context.skip('shellcheck is not installed, so setup.sh was not linted');
    const result = spawnSync('shellcheck', ['--severity=style', SETUP], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('says, without asking anything, which yt-dlp the worker will run and what that means for YouTube', (context) => {
    // Only on a machine that already has everything, so the run installs nothing.
    for (const tool of ['ffmpeg', 'ffprobe', 'openssl', 'shellcheck', 'yt-dlp'])
      if (!hasCommand(tool)) context.skip(`${tool} is missing, so setup.sh would install it`);
    const env: NodeJS.ProcessEnv = { ...process.env, MEDIAFERRY_YTDLP: 'distribution' };
    delete env.CI; // CI=true would reinstall node_modules
    const started = Date.now();
    const result = spawnSync('bash', [SETUP], {
      encoding: 'utf8',
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    const ytDlp =
      ['/usr/local/bin/yt-dlp', '/usr/bin/yt-dlp'].find((p) => spawnSync('test', ['-x', p]).status === 0) ??
      'yt-dlp';
    const version = execFileSync(ytDlp, ['--version'], { encoding: 'utf8' }).trim();
    expect(result.stdout).toContain(`yt-dlp ${version} at ${ytDlp}`);
    expect(result.stdout).toMatch(/sites like YouTube/);
  });
});
