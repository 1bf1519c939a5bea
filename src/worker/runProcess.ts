import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { killProcessTree } from './killProcessTree.js';

export interface ProcessOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines the process wrote to stderr (bounded). */
  stderrTail: string[];
  /** True when the process was stopped by `signal` (abort) or by `stop()`. */
  stopped: boolean;
}

export interface RunProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /** Lines of stderr kept for error messages. */
  stderrLines?: number;
  /** Time between SIGTERM and SIGKILL when stopping. */
  killGraceMs?: number;
}

export interface RunningProcess {
  done: Promise<ProcessOutcome>;
  /** Stops the process and its descendants (SIGTERM, then SIGKILL after the grace period). */
  stop(): void;
}

/** Runs a program without a shell, streaming its output by line, and stops it on abort. */
export function runProcess(
  command: string,
  args: readonly string[],
  options: RunProcessOptions = {},
): RunningProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = options.stderrLines ?? 30;
  const stderrTail: string[] = [];
  let stopped = false;
  let killTimer: NodeJS.Timeout | undefined;

  const stop = () => {
    if (stopped || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    stopped = true;
    const pid = child.pid;
    killProcessTree(pid, 'SIGTERM');
    killTimer = setTimeout(() => killProcessTree(pid, 'SIGKILL'), options.killGraceMs ?? 2000);
  };
  const onAbort = () => stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) queueMicrotask(stop);

  createInterface({ input: child.stdout }).on('line', (line) => options.onStdoutLine?.(line));
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > keep) stderrTail.shift();
    options.onStderrLine?.(line);
  });

  const done = new Promise<ProcessOutcome>((resolve, reject) => {
    child.once('error', (error) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.once('close', (exitCode, signal) => {
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ exitCode, signal, stderrTail, stopped });
    });
  });
  return { done, stop };
}
