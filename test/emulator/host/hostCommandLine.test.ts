import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = resolve(import.meta.dirname, '../../../dist/emulator/stack/cli.js');

function runCli(args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stderr: result.stderr };
}

describe('mediaferry host command line', () => {
  it('exits 2 with a clear message when --app is missing', () => {
    const result = runCli(['host', '--port', '0']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('InvalidCommandLine: --app <dir> is required.');
  });

  it('exits 2 for an invalid port', () => {
    expect(runCli(['host', '--app', '.', '--port', 'abc']).stderr).toContain('--port must be an integer');
  });

  it('exits 1 naming the problem when the app folder does not exist', () => {
    const result = runCli(['host', '--app', '/nonexistent/app', '--port', '0', '--no-durable']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('AppNotFound');
  });

  it('exits 1 when package.json main matches no files', () => {
    const appDir = mkdtempSync(join(tmpdir(), 'mediaferry-host-empty-'));
    try {
      writeFileSync(join(appDir, 'package.json'), JSON.stringify({ main: 'dist/functions/*.js' }));
      const result = runCli(['host', '--app', appDir, '--port', '0', '--no-durable']);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('AppEntryPointNoFiles: No files match "main": "dist/functions/*.js"');
    } finally {
      rmSync(appDir, { recursive: true, force: true });
    }
  });

  it('exits 1 when a timer schedule is not a six-field NCRONTAB expression', () => {
    const appDir = mkdtempSync(join(tmpdir(), 'mediaferry-host-badtimer-'));
    try {
      writeFileSync(join(appDir, 'package.json'), JSON.stringify({ main: 'index.cjs' }));
      writeFileSync(
        join(appDir, 'index.cjs'),
        `module.paths.push(${JSON.stringify(resolve(import.meta.dirname, '../../../node_modules'))});\n` +
          `require('@azure/functions').app.timer('t', { schedule: '*/5 * * * *', handler: () => {} });\n`,
      );
      const result = runCli(['host', '--app', appDir, '--port', '0', '--no-durable']);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('InvalidTimerSchedule');
      expect(result.stderr).toContain('six fields');
    } finally {
      rmSync(appDir, { recursive: true, force: true });
    }
  });

  it('rejects an unknown command with usage', () => {
    const result = runCli(['frobnicate']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Usage:');
  });
});
