import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

export interface LocalContainerProcessOptions {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Called once when the process has exited, with the code a container runtime would report. */
  onExit: (exitCode: number) => void;
  /** Log bytes kept per container; older output is dropped first. */
  maxLogBytes?: number;
}

// Process groups still alive in this process, killed synchronously if the emulator's process exits.
const liveProcessGroups = new Set<number>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pgid of liveProcessGroups) killGroup(pgid, 'SIGKILL');
  });
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * One container of a group, run as a local process in its own process group so stopping it ends
 * everything it started (yt-dlp, ffmpeg), as stopping a real container would.
 */
export class LocalContainerProcess {
  readonly startTime = new Date();
  finishTime: Date | undefined;
  exitCode: number | undefined;
  /** True once a stop was asked for, so the exit is reported as a kill, not a crash. */
  stopRequested = false;
  #logs = '';
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  readonly #maxLogBytes: number;

  constructor(options: LocalContainerProcessOptions) {
    installExitHook();
    this.#maxLogBytes = options.maxLogBytes ?? 1024 * 1024;
    this.#child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pgid = this.#child.pid;
    if (pgid !== undefined) liveProcessGroups.add(pgid);
    const append = (chunk: Buffer) => {
      this.#logs += chunk.toString('utf8');
      if (this.#logs.length > this.#maxLogBytes) this.#logs = this.#logs.slice(-this.#maxLogBytes);
    };
    this.#child.stdout?.on('data', append);
    this.#child.stderr?.on('data', append);
    this.#exited = new Promise((resolve) => {
      let reported = false;
      let exitCode: number | undefined;
      const report = (code: number) => {
        if (reported) return;
        reported = true;
        if (pgid !== undefined) liveProcessGroups.delete(pgid);
        this.exitCode = code;
        this.finishTime = new Date();
        options.onExit(code);
        resolve();
      };
      this.#child.once('error', (error) => {
        append(Buffer.from(`failed to start ${options.command}: ${error.message}\n`));
        report(127);
      });
      this.#child.once('exit', (code, signal) => {
        exitCode = code ?? 128 + (signal ? (constants.signals[signal] ?? 9) : 9);
        // When a container's main process ends, everything else in it ends too.
        if (pgid !== undefined) killGroup(pgid, 'SIGKILL');
      });
      // 'close' comes after the output is drained, so the logs are complete when the exit is reported.
      this.#child.once('close', () => report(exitCode ?? 137));
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  logs(tail?: number): string {
    if (tail === undefined) return this.#logs;
    const lines = this.#logs.split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-tail).join('\n') + (lines.length > 0 ? '\n' : '');
  }

  crash(): void {
    if (this.running && this.#child.pid !== undefined) killGroup(this.#child.pid, 'SIGKILL');
  }

  /** SIGTERM to the whole process group, SIGKILL after the grace period; resolves once exited. */
  async stop(graceMs: number): Promise<void> {
    if (!this.running || this.#child.pid === undefined) return this.#exited;
    this.stopRequested = true;
    const pgid = this.#child.pid;
    killGroup(pgid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(pgid, 'SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }
}
