import { execFile } from 'node:child_process';
import { repoRoot } from './repoRoot.js';
import { join } from 'node:path';

const CLI_PATH = join(repoRoot, 'dist', 'cli', 'mediaferry.js');

/** The built `mediaferry` command as a user runs it, with only PATH and `env` in its environment. */
export function runBuiltCli(
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [CLI_PATH, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: timeoutMs },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
