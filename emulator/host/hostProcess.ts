import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export interface HostProcessOptions {
  /** The function app folder. */
  appDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Added to this process's environment for the host. */
  env?: Record<string, string>;
  dataDir?: string;
  /** More `mediaferry-host` arguments, e.g. ['--no-durable']. */
  args?: string[];
  /** Bound on waiting for the readiness line; default 30 s. */
  readyTimeoutMs?: number;
  /** Called with each line the host prints. */
  onOutput?: (line: string) => void;
}

export interface HostProcess {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  pid: number;
  /** Everything the host wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after 10 s; resolves once the process has exited. */
  stop(): Promise<void>;
  /** Sends `signal` and resolves once the process has exited (SIGKILL after 10 s). */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Exit code once exited (null while running or when ended by a signal). */
  exitCode(): number | null;
  /** The signal that ended the process, if one did. */
  signal(): NodeJS.Signals | null;
}

// Compiled, this file sits next to the host's entry point; run from source (tests), that is the compiled one.
const HOST_MAIN =
  [
    resolve(import.meta.dirname, 'hostMain.js'),
    resolve(import.meta.dirname, '../../dist/emulator/host/hostMain.js'),
  ].find((path) => existsSync(path)) ?? resolve(import.meta.dirname, '../../dist/emulator/host/hostMain.js');
const READY = /Host started: (http:\/\/\S+)/;

/** Runs `mediaferry-host` for an app folder in a child process and waits until it is ready. */
export async function startHostProcess(options: HostProcessOptions): Promise<HostProcess> {
  if (!existsSync(HOST_MAIN)) throw new Error(`${HOST_MAIN} is missing; run \`npm run build\` first.`);
  const args = [HOST_MAIN, '--app', options.appDir, '--port', String(options.port ?? 0)];
  if (options.dataDir) args.push('--data-dir', options.dataDir);
  args.push(...(options.args ?? []));
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Kept as chunks: appending to one string and matching it on every chunk would copy it again each time.
  const chunks: string[] = [];
  const output = (): string => {
    if (chunks.length > 1) chunks.splice(0, chunks.length, chunks.join(''));
    return chunks[0] ?? '';
  };
  let ready = false;
  let partial = '';
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const origin = await new Promise<string>((resolveReady, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`The host was not ready within ${timeoutMs} ms:\n${output()}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      chunks.push(text);
      if (options.onOutput) {
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) options.onOutput(line);
      }
      if (ready) return;
      const started = READY.exec(output());
      if (started?.[1]) {
        ready = true;
        clearTimeout(timer);
        resolveReady(started[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`The host exited before it was ready (code ${code}, signal ${signal}):\n${output()}`));
    });
  });

  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(forced);
  };
  return {
    origin,
    pid: child.pid ?? -1,
    output,
    stop: () => kill('SIGTERM'),
    kill,
    exitCode: () => child.exitCode,
    signal: () => child.signalCode,
  };
}
