import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '..', '..', '..');
const WORKER_ENTRY = join(REPO, 'src', 'worker', 'main.ts');

export interface WorkerRun {
  child: ChildProcess;
  /** Resolves when the worker has exited; rejects if it outlives `timeoutMs` (it is then killed). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; logs: string }>;
  logs(): string;
}

/**
 * Starts the worker as its own process, exactly as the container does, with only the given
 * environment (plus PATH/HOME so tools resolve). Runs the TypeScript entry through tsx so tests never
 * depend on a stale build.
 */
export function startWorker(env: Record<string, string | undefined>, timeoutMs = 45_000): WorkerRun {
  const clean: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
  };
  for (const [name, value] of Object.entries(env)) if (value !== undefined) clean[name] = value;
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_ENTRY], {
    cwd: REPO,
    env: clean,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  child.stdout?.on('data', (c: Buffer) => (logs += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (logs += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; logs: string }>(
    (resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`worker still running after ${timeoutMs} ms; logs:\n${logs}`));
      }, timeoutMs);
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, logs });
      });
    },
  );
  return { child, exited, logs: () => logs };
}

/** Runs the worker to completion. */
export function runWorkerProcess(env: Record<string, string | undefined>, timeoutMs?: number) {
  return startWorker(env, timeoutMs).exited;
}
